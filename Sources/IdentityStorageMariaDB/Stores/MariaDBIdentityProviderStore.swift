import IdentityStorage
import IdentityStorageSQL

/// Identity providers, one row each, properties as JSON.
struct MariaDBIdentityProviderStore: IdentityProviderStore {
    let database: MariaDBDatabase

    func allSchemeNames() async throws -> [IdentityProviderName] {
        try await database.run { connection in
            try connection.query("SELECT scheme, display_name, enabled FROM identity_providers ORDER BY scheme") { row in
                IdentityProviderName(scheme: try row.text(0), displayName: try row.optionalText(1), enabled: try row.bool(2))
            }
        }
    }

    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try FieldValidation.key(scheme, "scheme")
        return try await database.run { connection in
            try connection.query("SELECT \(SQLTables.IdentityProviders.columns) FROM identity_providers WHERE scheme = ?",
                                 [.text(scheme)], SQLTables.IdentityProviders.decode).first
        }
    }

    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        let values = try SQLTables.IdentityProviders.values(provider)
        try await database.run { connection in
            try connection.run("""
                INSERT INTO identity_providers(\(MariaDBSQL.quoted(SQLTables.IdentityProviders.columns))) VALUES (?, ?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE display_name = VALUES(display_name), enabled = VALUES(enabled), type = VALUES(type),
                    properties = VALUES(properties)
                """, values)
        }
    }

    @discardableResult
    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        return try await database.run { connection in
            try connection.run("DELETE FROM identity_providers WHERE scheme = ?", [.text(scheme)]) > 0
        }
    }
}
