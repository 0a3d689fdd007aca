import IdentityStorage

/// Clients on any SQL adapter as JSON documents (loading one, with every child collection, is one
/// statement), with their CORS origins in an index table kept in step by the same transaction. A save
/// is one transaction whose upsert locks the client's row first, so concurrent saves of one client take
/// turns and the last one wins whole.
public struct SQLClientStore<Database: SQLDatabase>: ClientStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let byId, upsert, deleteOrigins, insertOrigins, delete, firstPage, pageAfter, origin: String

        init(_ dialect: SQLDialect) {
            byId = dialect.translate("SELECT document FROM clients WHERE client_id = ?")
            upsert = dialect.translate(dialect.upsert(into: "clients", columns: "client_id, document"))
            deleteOrigins = dialect.translate("DELETE FROM client_cors_origins WHERE client_id = ?")
            // 4000 characters: an over-long origin reaches its column and fails there as `tooLarge` instead of being cut.
            insertOrigins = dialect.translate(dialect.insertJSONList("client_cors_origins", "origin", "client_id", 4000))
            delete = dialect.translate("DELETE FROM clients WHERE client_id = ?")
            firstPage = dialect.translate("SELECT client_id, document FROM clients ORDER BY client_id LIMIT ?")
            pageAfter = dialect.translate("SELECT client_id, document FROM clients WHERE client_id > ? ORDER BY client_id LIMIT ?")
            origin = dialect.translate("SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// The client with exactly this id (case-sensitive), disabled or not; nil when there is none.
    public func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        let sql = statements.byId
        return try await database.read { connection in
            try connection.query(sql, [.text(clientId)]) { row in
                try DecodedDocuments.clients.decode(try row.text(0), id: clientId, what: "client \(clientId)")
            }.first
        }
    }

    /// Creates or wholly replaces the client with `Client.clientId`, child collections included.
    /// Concurrent saves of one id never fail; the last one wins whole.
    /// Each CORS origin is stored normalised (`CorsOrigin.normalize(_:)`); an origin that cannot be normalised is rejected.
    public func saveClient(_ client: Client) async throws {
        try client.validate()
        let stored = try client.normalizedForStorage()
        let document = try StorageJSON.string(stored)
        let origins = stored.allowedCorsOrigins.isEmpty ? nil : try StorageJSON.string(stored.allowedCorsOrigins.sorted())
        let statements = statements
        try await database.configurationWrite { connection in
            try connection.run(statements.upsert, [.text(stored.clientId), .text(document)])
            try connection.run(statements.deleteOrigins, [.text(stored.clientId)])
            if let origins {
                try connection.run(statements.insertOrigins, [.text(stored.clientId), .text(origins)])
            }
        }
    }

    /// Deletes the client and its collections. Returns false when there was none.
    @discardableResult
    public func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        let sql = statements.delete
        return try await database.configurationWrite { connection in
            try connection.run(sql, [.text(clientId)]) > 0
        }
    }

    /// Clients in byte order of their ids, `limit` at a time, starting after `cursor` (nil: from the start).
    public func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let (sql, bindings): (String, [SQLValue]) = if let cursor {
            (statements.pageAfter, [.text(cursor), .int(limit + 1)])
        } else {
            (statements.firstPage, [.int(limit + 1)])
        }
        let rows = try await database.read { connection in
            try connection.query(sql, bindings) { try SQLTables.decodeDocument(DecodedDocuments.clients, $0, what: "client") }
        }
        let clients = Array(rows.prefix(limit))
        return ClientPage(clients: clients, nextCursor: rows.count > limit ? clients.last?.clientId : nil)
    }

    /// Whether any client, enabled or not, allows `origin` for CORS. The origin is normalised first,
    /// then compared exactly: `HTTPS://Example.COM:443` matches a stored `https://example.com`.
    public func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        let sql = statements.origin
        return try await database.read { connection in
            try !connection.query(sql, [.text(normalized)]) { _ in true }.isEmpty
        }
    }
}
