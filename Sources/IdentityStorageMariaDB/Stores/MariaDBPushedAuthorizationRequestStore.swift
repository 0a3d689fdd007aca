import IdentityStorage
import IdentityStorageSQL

/// Pushed authorization requests, one row each; take is `DELETE … RETURNING`.
struct MariaDBPushedAuthorizationRequestStore: PushedAuthorizationRequestStore {
    let database: MariaDBDatabase

    static let columns = MariaDBSQL.quoted(SQLTables.PushedAuthorizationRequests.columns)

    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        let values = SQLTables.PushedAuthorizationRequests.values(request)
        try await database.run { connection in
            try connection.run("INSERT INTO pushed_authorization_requests(\(Self.columns)) VALUES (?, ?, ?)", values)
        }
    }

    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM pushed_authorization_requests WHERE reference_value_hash = ?",
                                 [.text(referenceValueHash)], SQLTables.PushedAuthorizationRequests.decode).first
        }
    }

    @discardableResult
    func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.run { connection in
            try connection.run("DELETE FROM pushed_authorization_requests WHERE reference_value_hash = ?", [.text(referenceValueHash)]) > 0
        }
    }

    func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try await database.run { connection in
            try connection.query("DELETE FROM pushed_authorization_requests WHERE reference_value_hash = ? RETURNING \(Self.columns)",
                                 [.text(referenceValueHash)], SQLTables.PushedAuthorizationRequests.decode).first
        }
    }
}
