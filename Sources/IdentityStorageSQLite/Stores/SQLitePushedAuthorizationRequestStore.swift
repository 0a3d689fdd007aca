import IdentityStorage
import IdentityStorageSQL

/// Pushed authorization requests; consume and take are `DELETE … RETURNING`.
struct SQLitePushedAuthorizationRequestStore: PushedAuthorizationRequestStore {
    let database: SQLiteDatabase

    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        try await database.write { connection in
            try connection.run("INSERT INTO pushed_authorization_requests(\(SQLTables.PushedAuthorizationRequests.columns)) VALUES (?, ?, ?)",
                               SQLTables.PushedAuthorizationRequests.values(request))
        }
    }

    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.read { connection in
            try connection.query("SELECT \(SQLTables.PushedAuthorizationRequests.columns) FROM pushed_authorization_requests WHERE reference_value_hash = ?",
                                 [.text(referenceValueHash)], SQLTables.PushedAuthorizationRequests.decode).first
        }
    }

    @discardableResult
    func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.write { connection in
            try connection.run("DELETE FROM pushed_authorization_requests WHERE reference_value_hash = ?", [.text(referenceValueHash)]) > 0
        }
    }

    func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.write { connection in
            try connection.query("""
                DELETE FROM pushed_authorization_requests WHERE reference_value_hash = ? RETURNING \(SQLTables.PushedAuthorizationRequests.columns)
                """, [.text(referenceValueHash)], SQLTables.PushedAuthorizationRequests.decode).first
        }
    }
}
