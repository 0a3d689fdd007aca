import IdentityStorage
import IdentityStorageSQL

/// Clients as JSON documents, with their CORS origins in an index table. A save is one transaction:
/// the upsert locks the client's row first, so concurrent saves of one client queue and the last wins whole.
struct MariaDBClientStore: ClientStore {
    let database: MariaDBDatabase

    func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        return try await database.run { connection in
            try connection.query("SELECT document FROM clients WHERE client_id = ?", [.text(clientId)]) { row in
                try StorageJSON.decode(Client.self, from: try row.text(0), what: "client \(clientId)")
            }.first
        }
    }

    func saveClient(_ client: Client) async throws {
        try client.validate()
        let stored = try client.normalizedForStorage()
        let document = try StorageJSON.string(stored)
        let origins = try StorageJSON.string(stored.allowedCorsOrigins.sorted())
        try await database.transaction { connection in
            try connection.run("INSERT INTO clients(client_id, document) VALUES (?, ?) ON DUPLICATE KEY UPDATE document = VALUES(document)",
                               [.text(stored.clientId), .text(document)])
            try connection.run("DELETE FROM client_cors_origins WHERE client_id = ?", [.text(stored.clientId)])
            if !stored.allowedCorsOrigins.isEmpty {
                try connection.run("INSERT INTO client_cors_origins(origin, client_id) SELECT v, ? FROM (\(MariaDBSQL.jsonList(width: 4000))) AS origins",
                                   [.text(stored.clientId), .text(origins)])
            }
        }
    }

    @discardableResult
    func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return try await database.run { connection in
            try connection.run("DELETE FROM clients WHERE client_id = ?", [.text(clientId)]) > 0
        }
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let rows = try await database.run { connection in
            let decode: (MariaDBRow) throws -> Client = { row in
                let id = try row.text(0)
                return try StorageJSON.decode(Client.self, from: try row.text(1), what: "client \(id)")
            }
            if let cursor {
                return try connection.query("SELECT client_id, document FROM clients WHERE client_id > ? ORDER BY client_id LIMIT ?",
                                            [.text(cursor), .int(limit + 1)], decode)
            }
            return try connection.query("SELECT client_id, document FROM clients ORDER BY client_id LIMIT ?", [.int(limit + 1)], decode)
        }
        let clients = Array(rows.prefix(limit))
        return ClientPage(clients: clients, nextCursor: rows.count > limit ? clients.last?.clientId : nil)
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        return try await database.run { connection in
            try !connection.query("SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1", [.text(normalized)]) { _ in true }.isEmpty
        }
    }
}
