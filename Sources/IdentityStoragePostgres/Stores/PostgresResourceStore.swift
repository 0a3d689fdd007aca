import IdentityStorage
import IdentityStorageSQL

/// Resources as JSON documents; API-resource scopes in an index table. Name lists are bound as one
/// JSON array (``SQLDialect/postgres``), so each query is one prepared statement and one round trip;
/// ``allResources()`` reads the three tables in one statement (one snapshot).
struct PostgresResourceStore: ResourceStore {
    let database: PostgresDatabase

    private static func inList(_ column: String) -> String { SQLDialect.postgres.inJSONArray(column, "$1") }

    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await documents(IdentityResource.self, "SELECT name, document FROM identity_resources WHERE \(Self.inList("name"))", scopeNames)
    }

    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await documents(ApiScope.self, "SELECT name, document FROM api_scopes WHERE \(Self.inList("name"))", scopeNames)
    }

    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        try await documents(ApiResource.self, """
            SELECT name, document FROM api_resources WHERE name IN
                (SELECT resource_name FROM api_resource_scopes WHERE \(Self.inList("scope")))
            """, scopeNames)
    }

    func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await documents(ApiResource.self, "SELECT name, document FROM api_resources WHERE \(Self.inList("name"))", names)
    }

    private struct Row: Sendable {
        var kind: Int
        var name: String
        var document: String
    }

    func allResources() async throws -> Resources {
        let rows = try await database.run { connection in
            try connection.query("""
                SELECT 0, name, document FROM identity_resources
                UNION ALL SELECT 1, name, document FROM api_resources
                UNION ALL SELECT 2, name, document FROM api_scopes
                """) { row in Row(kind: try row.int(0), name: try row.text(1), document: try row.text(2)) }
        }
        var resources = Resources(identityResources: [], apiResources: [], apiScopes: [])
        for row in rows {
            switch row.kind {
            case 0: resources.identityResources.append(try StorageJSON.decode(IdentityResource.self, from: row.document, what: "resource \(row.name)"))
            case 1: resources.apiResources.append(try StorageJSON.decode(ApiResource.self, from: row.document, what: "resource \(row.name)"))
            default: resources.apiScopes.append(try StorageJSON.decode(ApiScope.self, from: row.document, what: "resource \(row.name)"))
            }
        }
        return resources
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
        let scopes = try StorageJSON.string(Array(stored.scopes))
        try await database.run { connection in
            try connection.transaction {
                () throws in
                try connection.run("""
                    INSERT INTO api_resources(name, document) VALUES ($1, $2)
                    ON CONFLICT (name) DO UPDATE SET document = excluded.document
                    """, [.text(stored.name), .text(document)])
                try connection.run("DELETE FROM api_resource_scopes WHERE resource_name = $1", [.text(stored.name)])
                try connection.run("""
                    INSERT INTO api_resource_scopes(scope, resource_name)
                    SELECT DISTINCT scope, $1::text FROM jsonb_array_elements_text($2::jsonb) AS list(scope)
                    """, [.text(stored.name), .text(scopes)])
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
        return try await database.run { connection in
            try connection.query(sql, [.text(list)]) { row in
                let name = try row.text(0)
                return try StorageJSON.decode(type, from: try row.text(1), what: "resource \(name)")
            }
        }
    }

    private func upsert(_ table: String, _ name: String, _ document: String) async throws {
        try await database.run { connection in
            try connection.run("""
                INSERT INTO \(table)(name, document) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET document = excluded.document
                """, [.text(name), .text(document)])
        }
    }

    private func delete(_ table: String, _ name: String) async throws -> Bool {
        try FieldValidation.key(name, "resource name")
        return try await database.run { connection in
            try connection.run("DELETE FROM \(table) WHERE name = $1", [.text(name)]) > 0
        }
    }
}
