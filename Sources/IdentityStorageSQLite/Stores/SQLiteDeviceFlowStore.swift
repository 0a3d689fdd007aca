import IdentityStorage
import IdentityStorageSQL

/// Device authorizations: primary key on the device code, a unique index on the user code.
struct SQLiteDeviceFlowStore: DeviceFlowStore {
    let database: SQLiteDatabase

    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        try await database.write { connection in
            do {
                try connection.run("INSERT INTO device_codes(\(SQLTables.DeviceCodes.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", SQLTables.DeviceCodes.values(authorization))
            } catch let error as IdentityStorageError where error.code == .duplicate {
                throw IdentityStorageError(.duplicate, "the device code or the user code is already in use", backendDetail: error.backendDetail)
            }
        }
    }

    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        return try await database.read { connection in
            try connection.query("SELECT \(SQLTables.DeviceCodes.columns) FROM device_codes WHERE user_code = ?", [.text(userCode)], SQLTables.DeviceCodes.decode).first
        }
    }

    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.read { connection in
            try connection.query("SELECT \(SQLTables.DeviceCodes.columns) FROM device_codes WHERE device_code = ?", [.text(deviceCode)], SQLTables.DeviceCodes.decode).first
        }
    }

    @discardableResult
    func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try FieldValidation.key(userCode, "userCode")
        try authorization.validate()
        return try await database.write { connection in
            try connection.run("""
                UPDATE device_codes SET subject_id = ?, session_id = ?, description = ?, data = ? WHERE user_code = ?
                """, [.optionalText(authorization.subjectId), .optionalText(authorization.sessionId), .optionalText(authorization.description),
                      .text(authorization.data), .text(userCode)]) > 0
        }
    }

    @discardableResult
    func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.write { connection in
            try connection.run("DELETE FROM device_codes WHERE device_code = ?", [.text(deviceCode)]) > 0
        }
    }

    func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.write { connection in
            try connection.query("DELETE FROM device_codes WHERE device_code = ? RETURNING \(SQLTables.DeviceCodes.columns)", [.text(deviceCode)], SQLTables.DeviceCodes.decode).first
        }
    }
}
