import IdentityStorage
import IdentityStorageSQL

/// Device authorizations: primary key on the device code, a unique index on the user code.
struct MariaDBDeviceFlowStore: DeviceFlowStore {
    let database: MariaDBDatabase

    static let columns = MariaDBSQL.quoted(SQLTables.DeviceCodes.columns)

    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        let values = SQLTables.DeviceCodes.values(authorization)
        try await database.run { connection in
            do {
                try connection.run("INSERT INTO device_codes(\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            } catch let error as IdentityStorageError where error.code == .duplicate {
                throw IdentityStorageError(.duplicate, "the device code or the user code is already in use", backendDetail: error.backendDetail)
            }
        }
    }

    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM device_codes WHERE user_code = ?", [.text(userCode)], SQLTables.DeviceCodes.decode).first
        }
    }

    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM device_codes WHERE device_code = ?", [.text(deviceCode)], SQLTables.DeviceCodes.decode).first
        }
    }

    @discardableResult
    func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try FieldValidation.key(userCode, "userCode")
        try authorization.validate()
        let bindings: [SQLValue] = [.optionalText(authorization.subjectId), .optionalText(authorization.sessionId),
                                    .optionalText(authorization.description), .text(authorization.data), .text(userCode)]
        return try await database.run { connection in
            try connection.updateExisting("""
                UPDATE device_codes SET subject_id = ?, session_id = ?, description = ?, data = ? WHERE user_code = ?
                """, bindings, exists: "SELECT 1 FROM device_codes WHERE user_code = ?", [.text(userCode)])
        }
    }

    @discardableResult
    func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.run { connection in
            try connection.run("DELETE FROM device_codes WHERE device_code = ?", [.text(deviceCode)]) > 0
        }
    }

    func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.run { connection in
            try connection.query("DELETE FROM device_codes WHERE device_code = ? RETURNING \(Self.columns)", [.text(deviceCode)],
                                 SQLTables.DeviceCodes.decode).first
        }
    }
}

extension MariaDBConnection {
    /// Runs an UPDATE of one row and answers whether the row exists. The changed-row count is 0 both for
    /// a missing row and for one already holding these values; only then does a second look tell them apart
    /// (if the row vanished in between, the update is ordered after the delete: still a truthful answer).
    func updateExisting(_ update: String, _ bindings: [SQLValue], exists: String, _ keyBindings: [SQLValue]) throws -> Bool {
        if try run(update, bindings) > 0 { return true }
        return try !query(exists, keyBindings) { _ in true }.isEmpty
    }
}
