import IdentityStorage

/// Resources on any SQL adapter as JSON documents; API-resource scopes in an index table. Name lists are
/// bound as one JSON array (``SQLDialect/inJSONList``), so each query is one fixed, prepared statement
/// and one round trip; ``allResources()`` reads the three tables in one statement (one snapshot).
public struct SQLResourceStore<Database: SQLDatabase>: ResourceStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    public struct Statements: Sendable {
        /// Identity resources by a JSON array of names.
        public let identityResourcesByName: String
        /// API scopes by a JSON array of names.
        public let apiScopesByName: String
        /// API resources by a JSON array of names.
        public let apiResourcesByName: String
        /// API resources by a JSON array of scope names.
        public let apiResourcesByScope: String
        let all, upsertIdentityResource, upsertApiScope, upsertApiResource, deleteScopes, insertScopes: String
        let deleteIdentityResource, deleteApiScope, deleteApiResource: String

        /// The statements for `dialect`.
        public init(_ dialect: SQLDialect) {
            let list = { (column: String) in dialect.inJSONList(column, "?") }
            identityResourcesByName = dialect.translate("SELECT name, document FROM identity_resources WHERE \(list("name"))")
            apiScopesByName = dialect.translate("SELECT name, document FROM api_scopes WHERE \(list("name"))")
            apiResourcesByName = dialect.translate("SELECT name, document FROM api_resources WHERE \(list("name"))")
            apiResourcesByScope = dialect.translate("""
                SELECT name, document FROM api_resources WHERE name IN (SELECT resource_name FROM api_resource_scopes WHERE \(list("scope")))
                """)
            all = dialect.translate("""
                SELECT 0, name, document FROM identity_resources
                UNION ALL SELECT 1, name, document FROM api_resources
                UNION ALL SELECT 2, name, document FROM api_scopes
                """)
            upsertIdentityResource = dialect.translate(dialect.upsert(into: "identity_resources", columns: "name, document"))
            upsertApiScope = dialect.translate(dialect.upsert(into: "api_scopes", columns: "name, document"))
            upsertApiResource = dialect.translate(dialect.upsert(into: "api_resources", columns: "name, document"))
            deleteScopes = dialect.translate("DELETE FROM api_resource_scopes WHERE resource_name = ?")
            insertScopes = dialect.translate(dialect.insertJSONList("api_resource_scopes", "scope", "resource_name", 449))
            deleteIdentityResource = dialect.translate("DELETE FROM identity_resources WHERE name = ?")
            deleteApiScope = dialect.translate("DELETE FROM api_scopes WHERE name = ?")
            deleteApiResource = dialect.translate("DELETE FROM api_resources WHERE name = ?")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// Identity resources whose name is one of `scopeNames`.
    public func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await documents(DecodedDocuments.identityResources, statements.identityResourcesByName, scopeNames)
    }

    /// API scopes whose name is one of `scopeNames`.
    public func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await documents(DecodedDocuments.apiScopes, statements.apiScopesByName, scopeNames)
    }

    /// API resources serving any of `scopeNames`, each returned once.
    public func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        try await documents(DecodedDocuments.apiResources, statements.apiResourcesByScope, scopeNames)
    }

    /// API resources whose name is one of `names`.
    public func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await documents(DecodedDocuments.apiResources, statements.apiResourcesByName, names)
    }

    private struct Row: Sendable {
        var kind: Int
        var name: String
        var document: String
    }

    /// Everything, including disabled resources and those hidden from discovery.
    public func allResources() async throws -> Resources {
        let sql = statements.all
        let rows = try await database.read { connection in
            try connection.query(sql, []) { row in Row(kind: try row.int(0), name: try row.text(1), document: try row.text(2)) }
        }
        var resources = Resources(identityResources: [], apiResources: [], apiScopes: [])
        for row in rows {
            switch row.kind {
            case 0: resources.identityResources.append(try DecodedDocuments.identityResources.decode(row.document, id: row.name, what: "resource \(row.name)"))
            case 1: resources.apiResources.append(try DecodedDocuments.apiResources.decode(row.document, id: row.name, what: "resource \(row.name)"))
            default: resources.apiScopes.append(try DecodedDocuments.apiScopes.decode(row.document, id: row.name, what: "resource \(row.name)"))
            }
        }
        return resources
    }

    /// Creates or wholly replaces the identity resource with this name.
    public func saveIdentityResource(_ resource: IdentityResource) async throws {
        try resource.validate()
        try await write(statements.upsertIdentityResource, [.text(resource.name), .text(try StorageJSON.string(resource))])
    }

    /// Creates or wholly replaces the API scope with this name.
    public func saveApiScope(_ scope: ApiScope) async throws {
        try scope.validate()
        try await write(statements.upsertApiScope, [.text(scope.name), .text(try StorageJSON.string(scope))])
    }

    /// Creates or wholly replaces the API resource with this name.
    public func saveApiResource(_ resource: ApiResource) async throws {
        try resource.validate()
        let stored = resource.atStoragePrecision
        let document = try StorageJSON.string(stored)
        let scopes = stored.scopes.isEmpty ? nil : try StorageJSON.string(stored.scopes.sorted())
        let statements = statements
        try await database.configurationWrite { connection in
            try connection.run(statements.upsertApiResource, [.text(stored.name), .text(document)])
            try connection.run(statements.deleteScopes, [.text(stored.name)])
            if let scopes {
                try connection.run(statements.insertScopes, [.text(stored.name), .text(scopes)])
            }
        }
    }

    /// Deletes the identity resource; false when there was none.
    @discardableResult
    public func deleteIdentityResource(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "resource name")
        return try await write(statements.deleteIdentityResource, [.text(name)]) > 0
    }

    /// Deletes the API scope; false when there was none.
    @discardableResult
    public func deleteApiScope(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "resource name")
        return try await write(statements.deleteApiScope, [.text(name)]) > 0
    }

    /// Deletes the API resource; false when there was none.
    @discardableResult
    public func deleteApiResource(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "resource name")
        return try await write(statements.deleteApiResource, [.text(name)]) > 0
    }

    private func documents<T>(_ cache: DecodedDocumentCache<T>, _ sql: String, _ names: [String]) async throws -> [T] {
        for name in names { try FieldValidation.key(name, "resource name") }
        if names.isEmpty { return [] }
        let list = try StorageJSON.string(names)
        return try await database.read { connection in
            try connection.query(sql, [.text(list)]) { try SQLTables.decodeDocument(cache, $0, what: "resource") }
        }
    }

    @discardableResult
    private func write(_ sql: String, _ bindings: [SQLValue]) async throws -> Int {
        try await database.configurationWrite { connection in try connection.run(sql, bindings) }
    }
}
