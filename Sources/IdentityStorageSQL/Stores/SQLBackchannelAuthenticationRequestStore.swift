import IdentityStorage

/// CIBA requests on any SQL adapter: indexed columns for lookups and cleanup, the request itself as a
/// JSON document. Take is `DELETE … RETURNING` (one statement, one winner on every backend).
public struct SQLBackchannelAuthenticationRequestStore<Database: SQLDatabase>: BackchannelAuthenticationRequestStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let insert, byId, bySubject, bySubjectAndClient, update, exists, delete, take: String

        init(_ dialect: SQLDialect) {
            let table = "backchannel_requests"
            insert = dialect.translate("INSERT INTO \(table)(\(dialect.columns(SQLTables.BackchannelRequests.columns))) VALUES (\(SQLDialect.placeholders(SQLTables.BackchannelRequests.count)))")
            byId = dialect.translate("SELECT internal_id, document FROM \(table) WHERE internal_id = ?")
            bySubject = dialect.translate("SELECT internal_id, document FROM \(table) WHERE subject_id = ?")
            bySubjectAndClient = dialect.translate("SELECT internal_id, document FROM \(table) WHERE subject_id = ? AND client_id = ?")
            update = dialect.translate("UPDATE \(table) SET subject_id = ?, client_id = ?, expiration = ?, document = ? WHERE internal_id = ?")
            exists = dialect.translate("SELECT 1 FROM \(table) WHERE internal_id = ?")
            delete = dialect.translate("DELETE FROM \(table) WHERE internal_id = ?")
            take = dialect.translate("DELETE FROM \(table) WHERE internal_id = ? RETURNING internal_id, document")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// Stores `request` under its `BackchannelAuthenticationRequest.internalId`.
    /// An existing id gives `IdentityStorageError.Code.duplicate`.
    public func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws {
        try request.validate()
        let values = try SQLTables.BackchannelRequests.values(request.atStoragePrecision)
        let sql = statements.insert
        try await database.write { connection in
            try connection.run(sql, values)
        }
    }

    /// The request with exactly this internal id; nil when none. Expiry is not checked.
    public func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        let sql = statements.byId
        return try await database.read { connection in
            try connection.query(sql, [.text(internalId)]) { try SQLTables.BackchannelRequests.decode($0) }.first
        }
    }

    /// Requests of `subjectId` (and of `clientId` when given), complete and expired ones included.
    public func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] {
        try FieldValidation.key(subjectId, "subjectId")
        try FieldValidation.optionalKey(clientId, "clientId")
        let (sql, bindings): (String, [SQLValue]) = if let clientId {
            (statements.bySubjectAndClient, [.text(subjectId), .text(clientId)])
        } else {
            (statements.bySubject, [.text(subjectId)])
        }
        return try await database.read { connection in
            try connection.query(sql, bindings) { try SQLTables.BackchannelRequests.decode($0) }
        }
    }

    /// Replaces the request with this internal id (the stored internal id is kept); false when none.
    @discardableResult
    public func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool {
        let stored = try request.replacement(forInternalId: internalId)
        let document = try StorageJSON.string(stored)
        let statements = statements
        return try await database.write { connection in
            try connection.updateExisting(statements.update, [.text(stored.subjectId), .text(stored.clientId), .date(stored.expiration),
                                                              .text(document), .text(internalId)],
                                          exists: statements.exists, [.text(internalId)])
        }
    }

    /// Removes the request; false when there was none.
    @discardableResult
    public func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool {
        try FieldValidation.key(internalId, "internalId")
        let sql = statements.delete
        return try await database.write { connection in
            try connection.run(sql, [.text(internalId)]) > 0
        }
    }

    /// Get-and-delete in one step: exactly one concurrent caller receives the request.
    public func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        let sql = statements.take
        return try await database.write { connection in
            try connection.query(sql, [.text(internalId)]) { try SQLTables.BackchannelRequests.decode($0) }.first
        }
    }
}
