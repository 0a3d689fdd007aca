import IdentityStorage

/// Identity providers on any SQL adapter, one row each, properties as JSON; save is the dialect's upsert.
public struct SQLIdentityProviderStore<Database: SQLDatabase>: IdentityProviderStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let names, byScheme, upsert, delete: String

        init(_ dialect: SQLDialect) {
            names = dialect.translate("SELECT scheme, display_name, enabled FROM identity_providers ORDER BY scheme")
            byScheme = dialect.translate("SELECT \(dialect.columns(SQLTables.IdentityProviders.columns)) FROM identity_providers WHERE scheme = ?")
            upsert = dialect.translate(dialect.upsert(into: "identity_providers", columns: SQLTables.IdentityProviders.columns))
            delete = dialect.translate("DELETE FROM identity_providers WHERE scheme = ?")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// Every provider's scheme, display name and enabled flag, disabled ones included, in byte order of scheme.
    public func allSchemeNames() async throws -> [IdentityProviderName] {
        let sql = statements.names
        return try await database.read { connection in
            try connection.query(sql, []) { row in
                IdentityProviderName(scheme: try row.text(0), displayName: try row.optionalText(1), enabled: try row.bool(2))
            }
        }
    }

    /// The provider with exactly this scheme (case-sensitive), whatever its type or state; nil when none.
    public func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try FieldValidation.key(scheme, "scheme")
        let sql = statements.byScheme
        return try await database.read { connection in
            try connection.query(sql, [.text(scheme)]) { try SQLTables.IdentityProviders.decode($0) }.first
        }
    }

    /// Creates or wholly replaces the provider with this scheme.
    public func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        let values = try SQLTables.IdentityProviders.values(provider)
        let sql = statements.upsert
        try await database.configurationWrite { connection in
            try connection.run(sql, values)
        }
    }

    /// Deletes the provider; false when there was none.
    @discardableResult
    public func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        let sql = statements.delete
        return try await database.configurationWrite { connection in
            try connection.run(sql, [.text(scheme)]) > 0
        }
    }
}
