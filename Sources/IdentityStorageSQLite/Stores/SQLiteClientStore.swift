import IdentityStorage
import IdentityStorageSQL

/// Clients as JSON documents, with their CORS origins in an index table.
struct SQLiteClientStore: ClientStore {
    let database: SQLiteDatabase

    func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        return try await database.read { connection in
            try connection.query("SELECT document FROM clients WHERE client_id = ?", [.text(clientId)]) { row in
                try StorageJSON.decode(Client.self, from: try row.text(0), what: "client \(clientId)")
            }.first
        }
    }

    func saveClient(_ client: Client) async throws {
        try client.validate()
        let stored = try client.normalizedForStorage()
        let document = try StorageJSON.string(stored)
        try await database.write { connection in
            try connection.transaction {
                () throws in
                try connection.run("""
                    INSERT INTO clients(client_id, document) VALUES (?, ?)
                    ON CONFLICT(client_id) DO UPDATE SET document = excluded.document
                    """, [.text(stored.clientId), .text(document)])
                try connection.run("DELETE FROM client_cors_origins WHERE client_id = ?", [.text(stored.clientId)])
                for origin in stored.allowedCorsOrigins {
                    try connection.run("INSERT INTO client_cors_origins(origin, client_id) VALUES (?, ?)",
                                       [.text(origin), .text(stored.clientId)])
                }
            }
        }
    }

    @discardableResult
    func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return try await database.write { connection in
            try connection.run("DELETE FROM clients WHERE client_id = ?", [.text(clientId)]) > 0
        }
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let rows = try await database.read { connection in
            try connection.query("""
                SELECT client_id, document FROM clients WHERE ?1 IS NULL OR client_id > ?1 ORDER BY client_id LIMIT ?2
                """, [.optionalText(cursor), .int(limit + 1)]) { row in
                let id = try row.text(0)
                return try StorageJSON.decode(Client.self, from: try row.text(1), what: "client \(id)")
            }
        }
        let clients = Array(rows.prefix(limit))
        return ClientPage(clients: clients, nextCursor: rows.count > limit ? clients.last?.clientId : nil)
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        return try await database.read { connection in
            try !connection.query("SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1", [.text(normalized)]) { _ in true }.isEmpty
        }
    }
}
