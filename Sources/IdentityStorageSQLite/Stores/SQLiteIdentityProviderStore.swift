import IdentityStorage

/// Identity providers, one row each, properties as JSON.
struct SQLiteIdentityProviderStore: IdentityProviderStore {
    let database: SQLiteDatabase

    func allSchemeNames() async throws -> [IdentityProviderName] {
        try await database.read { connection in
            try connection.query("SELECT scheme, display_name, enabled FROM identity_providers ORDER BY scheme") { row in
                IdentityProviderName(scheme: try row.text(0), displayName: try row.optionalText(1), enabled: row.bool(2))
            }
        }
    }

    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try FieldValidation.key(scheme, "scheme")
        return try await database.read { connection in
            try connection.query("SELECT scheme, display_name, enabled, type, properties FROM identity_providers WHERE scheme = ?",
                                 [.text(scheme)]) { row in
                IdentityProvider(scheme: try row.text(0), type: try row.text(3), displayName: try row.optionalText(1), enabled: row.bool(2),
                                 properties: try StorageJSON.decode([String: String].self, from: try row.text(4), what: "identity provider \(scheme)"))
            }.first
        }
    }

    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        let properties = try StorageJSON.string(provider.properties)
        try await database.write { connection in
            try connection.run("""
                INSERT INTO identity_providers(scheme, display_name, enabled, type, properties) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(scheme) DO UPDATE SET display_name = excluded.display_name, enabled = excluded.enabled,
                    type = excluded.type, properties = excluded.properties
                """, [.text(provider.scheme), .optionalText(provider.displayName), .bool(provider.enabled), .text(provider.type), .text(properties)])
        }
    }

    @discardableResult
    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        return try await database.write { connection in
            try connection.run("DELETE FROM identity_providers WHERE scheme = ?", [.text(scheme)]) > 0
        }
    }
}
