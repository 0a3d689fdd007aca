import IdentityStorage
import IdentityStorageSQL

/// Clients as JSON documents (loading one, with every child collection, is one statement), with
/// their CORS origins in an index table kept in step by the same transaction.
struct PostgresClientStore: ClientStore {
    let database: PostgresDatabase

    func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        return try await database.run { connection in
            try connection.query("SELECT document FROM clients WHERE client_id = $1", [.text(clientId)]) { row in
                try StorageJSON.decode(Client.self, from: try row.text(0), what: "client \(clientId)")
            }.first
        }
    }

    func saveClient(_ client: Client) async throws {
        try client.validate()
        let stored = try client.normalizedForStorage()
        let document = try StorageJSON.string(stored)
        let origins = try StorageJSON.string(Array(stored.allowedCorsOrigins))
        try await database.run { connection in
            // The upsert locks the client row first, so concurrent saves of one client take turns and the last one's origins win.
            try connection.transaction {
                () throws in
                try connection.run("""
                    INSERT INTO clients(client_id, document) VALUES ($1, $2)
                    ON CONFLICT (client_id) DO UPDATE SET document = excluded.document
                    """, [.text(stored.clientId), .text(document)])
                try connection.run("DELETE FROM client_cors_origins WHERE client_id = $1", [.text(stored.clientId)])
                try connection.run("""
                    INSERT INTO client_cors_origins(origin, client_id)
                    SELECT DISTINCT origin, $1::text FROM jsonb_array_elements_text($2::jsonb) AS list(origin)
                    """, [.text(stored.clientId), .text(origins)])
            }
        }
    }

    @discardableResult
    func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return try await database.run { connection in
            try connection.run("DELETE FROM clients WHERE client_id = $1", [.text(clientId)]) > 0
        }
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let rows = try await database.run { connection in
            let decode: (PostgresRow) throws -> Client = { row in
                let id = try row.text(0)
                return try StorageJSON.decode(Client.self, from: try row.text(1), what: "client \(id)")
            }
            if let cursor {
                return try connection.query("SELECT client_id, document FROM clients WHERE client_id > $1 ORDER BY client_id LIMIT $2",
                                            [.text(cursor), .int(limit + 1)], decode)
            }
            return try connection.query("SELECT client_id, document FROM clients ORDER BY client_id LIMIT $1", [.int(limit + 1)], decode)
        }
        let clients = Array(rows.prefix(limit))
        return ClientPage(clients: clients, nextCursor: rows.count > limit ? clients.last?.clientId : nil)
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        return try await database.run { connection in
            try !connection.query("SELECT 1 FROM client_cors_origins WHERE origin = $1 LIMIT 1", [.text(normalized)]) { _ in true }.isEmpty
        }
    }
}
