import IdentityStorage

/// Pushed authorization requests; consume and take are `DELETE … RETURNING`.
struct SQLitePushedAuthorizationRequestStore: PushedAuthorizationRequestStore {
    let database: SQLiteDatabase

    private static func decode(_ row: SQLiteRow) throws(IdentityStorageError) -> PushedAuthorizationRequest {
        PushedAuthorizationRequest(referenceValueHash: try row.text(0), expiresAt: row.date(1), parameters: try row.text(2))
    }

    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        try await database.write { connection in
            try connection.run("INSERT INTO pushed_authorization_requests(reference_value_hash, expires_at, parameters) VALUES (?, ?, ?)",
                               [.text(request.referenceValueHash), .date(request.expiresAt), .text(request.parameters)])
        }
    }

    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.read { connection in
            try connection.query("SELECT reference_value_hash, expires_at, parameters FROM pushed_authorization_requests WHERE reference_value_hash = ?",
                                 [.text(referenceValueHash)], Self.decode).first
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
                DELETE FROM pushed_authorization_requests WHERE reference_value_hash = ? RETURNING reference_value_hash, expires_at, parameters
                """, [.text(referenceValueHash)], Self.decode).first
        }
    }
}
