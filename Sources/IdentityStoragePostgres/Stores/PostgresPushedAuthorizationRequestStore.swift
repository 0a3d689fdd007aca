import IdentityStorage
import IdentityStorageSQL

/// Pushed authorization requests; consume and take are `DELETE … RETURNING` / `DELETE` (one winner).
struct PostgresPushedAuthorizationRequestStore: PushedAuthorizationRequestStore {
    let database: PostgresDatabase

    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        let values = SQLTables.PushedAuthorizationRequests.values(request)
        try await database.run { connection in
            try connection.run("INSERT INTO pushed_authorization_requests(\(SQLTables.PushedAuthorizationRequests.columns)) VALUES ($1, $2, $3)", values)
        }
    }

    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.run { connection in
            try connection.query("""
                SELECT \(SQLTables.PushedAuthorizationRequests.columns) FROM pushed_authorization_requests WHERE reference_value_hash = $1
                """, [.text(referenceValueHash)], SQLTables.PushedAuthorizationRequests.decode).first
        }
    }

    @discardableResult
    func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.run { connection in
            try connection.run("DELETE FROM pushed_authorization_requests WHERE reference_value_hash = $1", [.text(referenceValueHash)]) > 0
        }
    }

    func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.run { connection in
            try connection.query("""
                DELETE FROM pushed_authorization_requests WHERE reference_value_hash = $1 RETURNING \(SQLTables.PushedAuthorizationRequests.columns)
                """, [.text(referenceValueHash)], SQLTables.PushedAuthorizationRequests.decode).first
        }
    }
}
