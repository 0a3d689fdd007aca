import IdentityStorage
import IdentityStorageSQL

/// Identity providers, one row each, properties as JSON.
struct PostgresIdentityProviderStore: IdentityProviderStore {
    let database: PostgresDatabase

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
            try connection.query("SELECT \(SQLTables.IdentityProviders.columns) FROM identity_providers WHERE scheme = $1",
                                 [.text(scheme)], SQLTables.IdentityProviders.decode).first
        }
    }

    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        let values = try SQLTables.IdentityProviders.values(provider)
        try await database.run { connection in
            try connection.run("""
                INSERT INTO identity_providers(\(SQLTables.IdentityProviders.columns)) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (scheme) DO UPDATE SET display_name = excluded.display_name, enabled = excluded.enabled,
                    type = excluded.type, properties = excluded.properties
                """, values)
        }
    }

    @discardableResult
    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        return try await database.run { connection in
            try connection.run("DELETE FROM identity_providers WHERE scheme = $1", [.text(scheme)]) > 0
        }
    }
}
