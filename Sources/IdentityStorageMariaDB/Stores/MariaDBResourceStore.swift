import IdentityStorage
import IdentityStorageSQL

/// Resources as JSON documents; API-resource scopes in an index table. Name lists are bound as one
/// JSON array joined through `JSON_TABLE`, so each query has one fixed, prepared statement.
struct MariaDBResourceStore: ResourceStore {
    let database: MariaDBDatabase

    static let identityResourcesByName = "SELECT name, document FROM identity_resources WHERE name IN (\(MariaDBSQL.jsonList()))"
    static let apiScopesByName = "SELECT name, document FROM api_scopes WHERE name IN (\(MariaDBSQL.jsonList()))"
    static let apiResourcesByName = "SELECT name, document FROM api_resources WHERE name IN (\(MariaDBSQL.jsonList()))"
    static let apiResourcesByScope = """
        SELECT name, document FROM api_resources WHERE name IN
            (SELECT resource_name FROM api_resource_scopes WHERE scope IN (\(MariaDBSQL.jsonList())))
        """

    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await documents(IdentityResource.self, Self.identityResourcesByName, scopeNames)
    }

    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await documents(ApiScope.self, Self.apiScopesByName, scopeNames)
    }

    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        try await documents(ApiResource.self, Self.apiResourcesByScope, scopeNames)
    }

    func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await documents(ApiResource.self, Self.apiResourcesByName, names)
    }

    func allResources() async throws -> Resources {
        // One transaction: the three lists come from one snapshot.
        try await database.transaction { connection in
            Resources(
                identityResources: try Self.decodeAll(IdentityResource.self, connection, "SELECT name, document FROM identity_resources", []),
                apiResources: try Self.decodeAll(ApiResource.self, connection, "SELECT name, document FROM api_resources", []),
                apiScopes: try Self.decodeAll(ApiScope.self, connection, "SELECT name, document FROM api_scopes", []))
        }
    }

    func saveIdentityResource(_ resource: IdentityResource) async throws {
        try resource.validate()
        try await upsert("identity_resources", resource.name, try StorageJSON.string(resource))
    }

    func saveApiScope(_ scope: ApiScope) async throws {
        try scope.validate()
        try await upsert("api_scopes", scope.name, try StorageJSON.string(scope))
    }

    func saveApiResource(_ resource: ApiResource) async throws {
        try resource.validate()
        let stored = resource.atStoragePrecision
        let document = try StorageJSON.string(stored)
        let scopes = try StorageJSON.string(stored.scopes.sorted())
        try await database.transaction { connection in
            try connection.run("INSERT INTO api_resources(name, document) VALUES (?, ?) ON DUPLICATE KEY UPDATE document = VALUES(document)",
                               [.text(stored.name), .text(document)])
            try connection.run("DELETE FROM api_resource_scopes WHERE resource_name = ?", [.text(stored.name)])
            if !stored.scopes.isEmpty {
                try connection.run("INSERT INTO api_resource_scopes(scope, resource_name) SELECT v, ? FROM (\(MariaDBSQL.jsonList())) AS scopes",
                                   [.text(stored.name), .text(scopes)])
            }
        }
    }

    @discardableResult
    func deleteIdentityResource(named name: String) async throws -> Bool { try await delete("identity_resources", name) }

    @discardableResult
    func deleteApiScope(named name: String) async throws -> Bool { try await delete("api_scopes", name) }

    @discardableResult
    func deleteApiResource(named name: String) async throws -> Bool { try await delete("api_resources", name) }

    private func documents<T: Decodable & Sendable>(_ type: T.Type, _ sql: String, _ names: [String]) async throws -> [T] {
        for name in names { try FieldValidation.key(name, "resource name") }
        if names.isEmpty { return [] }
        let list = try StorageJSON.string(names)
        return try await database.run { connection in try Self.decodeAll(type, connection, sql, [.text(list)]) }
    }

    private static func decodeAll<T: Decodable>(_ type: T.Type, _ connection: MariaDBConnection, _ sql: String,
                                                _ bindings: [SQLValue]) throws -> [T] {
        try connection.query(sql, bindings) { row in
            let name = try row.text(0)
            return try StorageJSON.decode(type, from: try row.text(1), what: "resource \(name)")
        }
    }

    private func upsert(_ table: String, _ name: String, _ document: String) async throws {
        try await database.run { connection in
            try connection.run("INSERT INTO \(table)(name, document) VALUES (?, ?) ON DUPLICATE KEY UPDATE document = VALUES(document)",
                               [.text(name), .text(document)])
        }
    }

    private func delete(_ table: String, _ name: String) async throws -> Bool {
        try FieldValidation.key(name, "resource name")
        return try await database.run { connection in
            try connection.run("DELETE FROM \(table) WHERE name = ?", [.text(name)]) > 0
        }
    }
}
