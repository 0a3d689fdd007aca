import IdentityStorage

/// Pushed authorization requests on any SQL adapter, one row each; consume is a `DELETE` and take a
/// `DELETE … RETURNING`: single statements, exactly one winner.
public struct SQLPushedAuthorizationRequestStore<Database: SQLDatabase>: PushedAuthorizationRequestStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let insert, byHash, delete, take: String

        init(_ dialect: SQLDialect) {
            let table = "pushed_authorization_requests"
            let columns = dialect.columns(SQLTables.PushedAuthorizationRequests.columns)
            insert = dialect.translate("INSERT INTO \(table)(\(columns)) VALUES (\(SQLDialect.placeholders(SQLTables.PushedAuthorizationRequests.count)))")
            byHash = dialect.translate("SELECT \(columns) FROM \(table) WHERE reference_value_hash = ?")
            delete = dialect.translate("DELETE FROM \(table) WHERE reference_value_hash = ?")
            take = dialect.translate("DELETE FROM \(table) WHERE reference_value_hash = ? RETURNING \(columns)")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// Stores a new request. An existing hash gives `IdentityStorageError.Code.duplicate` and leaves it unchanged.
    public func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        let values = SQLTables.PushedAuthorizationRequests.values(request)
        let sql = statements.insert
        try await database.write { connection in
            try connection.run(sql, values)
        }
    }

    /// The request with exactly this hash; nil when none or already consumed. Expiry is not checked.
    public func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        let sql = statements.byHash
        return try await database.read { connection in
            try connection.query(sql, [.text(referenceValueHash)]) { try SQLTables.PushedAuthorizationRequests.decode($0) }.first
        }
    }

    /// Consumes (deletes) the request; false when there was none (never an error).
    @discardableResult
    public func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        let sql = statements.delete
        return try await database.write { connection in
            try connection.run(sql, [.text(referenceValueHash)]) > 0
        }
    }

    /// Get-and-consume in one step: exactly one concurrent caller receives the request.
    public func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        let sql = statements.take
        return try await database.write { connection in
            try connection.query(sql, [.text(referenceValueHash)]) { try SQLTables.PushedAuthorizationRequests.decode($0) }.first
        }
    }
}
