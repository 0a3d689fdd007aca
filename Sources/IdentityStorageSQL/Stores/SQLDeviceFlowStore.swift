import IdentityStorage

/// Device authorizations on any SQL adapter: primary key on the device code, a unique index on the user
/// code; take is `DELETE … RETURNING` (one statement, one winner).
public struct SQLDeviceFlowStore<Database: SQLDatabase>: DeviceFlowStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let insert, byUserCode, byDeviceCode, update, exists, delete, take: String

        init(_ dialect: SQLDialect) {
            let columns = dialect.columns(SQLTables.DeviceCodes.columns)
            insert = dialect.translate("INSERT INTO device_codes(\(columns)) VALUES (\(SQLDialect.placeholders(SQLTables.DeviceCodes.count)))")
            byUserCode = dialect.translate("SELECT \(columns) FROM device_codes WHERE user_code = ?")
            byDeviceCode = dialect.translate("SELECT \(columns) FROM device_codes WHERE device_code = ?")
            update = dialect.translate("UPDATE device_codes SET subject_id = ?, session_id = ?, description = ?, data = ? WHERE user_code = ?")
            exists = dialect.translate("SELECT 1 FROM device_codes WHERE user_code = ?")
            delete = dialect.translate("DELETE FROM device_codes WHERE device_code = ?")
            take = dialect.translate("DELETE FROM device_codes WHERE device_code = ? RETURNING \(columns)")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// Stores a new authorization. Both codes must be unused: a clash on either gives
    /// `IdentityStorageError.Code.duplicate` and leaves every stored authorization unchanged.
    public func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        let values = SQLTables.DeviceCodes.values(authorization)
        let sql = statements.insert
        try await database.write { connection in
            do {
                try connection.run(sql, values)
            } catch let error as IdentityStorageError where error.code == .duplicate {
                throw IdentityStorageError(.duplicate, "the device code or the user code is already in use", backendDetail: error.backendDetail)
            }
        }
    }

    /// The authorization with exactly this user code; nil when none.
    public func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        let sql = statements.byUserCode
        return try await database.read { connection in
            try connection.query(sql, [.text(userCode)]) { try SQLTables.DeviceCodes.decode($0) }.first
        }
    }

    /// The authorization with exactly this device code; nil when none.
    public func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        let sql = statements.byDeviceCode
        return try await database.read { connection in
            try connection.query(sql, [.text(deviceCode)]) { try SQLTables.DeviceCodes.decode($0) }.first
        }
    }

    /// Updates the subject, session id, description and data of the authorization with this user code
    /// (codes, client, creation time and expiration never change). Returns false when there is none.
    @discardableResult
    public func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try FieldValidation.key(userCode, "userCode")
        try authorization.validate()
        let bindings: [SQLValue] = [.optionalText(authorization.subjectId), .optionalText(authorization.sessionId),
                                    .optionalText(authorization.description), .text(authorization.data), .text(userCode)]
        let statements = statements
        return try await database.write { connection in
            try connection.updateExisting(statements.update, bindings, exists: statements.exists, [.text(userCode)])
        }
    }

    /// Removes the authorization (under both codes); false when there was none (never an error).
    @discardableResult
    public func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try FieldValidation.key(deviceCode, "deviceCode")
        let sql = statements.delete
        return try await database.write { connection in
            try connection.run(sql, [.text(deviceCode)]) > 0
        }
    }

    /// Get-and-delete by device code, for redemption at the token endpoint: exactly one concurrent caller gets it.
    public func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        let sql = statements.take
        return try await database.write { connection in
            try connection.query(sql, [.text(deviceCode)]) { try SQLTables.DeviceCodes.decode($0) }.first
        }
    }
}
