import IdentityStorage
import IdentityStorageSQL

/// Device authorizations: primary key on the device code, a unique index on the user code; take is `DELETE … RETURNING`.
struct PostgresDeviceFlowStore: DeviceFlowStore {
    let database: PostgresDatabase

    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        let values = SQLTables.DeviceCodes.values(authorization)
        try await database.run { connection in
            do {
                try connection.run("INSERT INTO device_codes(\(SQLTables.DeviceCodes.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", values)
            } catch let error as IdentityStorageError where error.code == .duplicate {
                throw IdentityStorageError(.duplicate, "the device code or the user code is already in use", backendDetail: error.backendDetail)
            }
        }
    }

    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        return try await database.run { connection in
            try connection.query("SELECT \(SQLTables.DeviceCodes.columns) FROM device_codes WHERE user_code = $1", [.text(userCode)],
                                 SQLTables.DeviceCodes.decode).first
        }
    }

    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.run { connection in
            try connection.query("SELECT \(SQLTables.DeviceCodes.columns) FROM device_codes WHERE device_code = $1", [.text(deviceCode)],
                                 SQLTables.DeviceCodes.decode).first
        }
    }

    @discardableResult
    func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try FieldValidation.key(userCode, "userCode")
        try authorization.validate()
        let bindings: [SQLValue] = [.optionalText(authorization.subjectId), .optionalText(authorization.sessionId),
                                    .optionalText(authorization.description), .text(authorization.data), .text(userCode)]
        return try await database.run { connection in
            try connection.run("""
                UPDATE device_codes SET subject_id = $1, session_id = $2, description = $3, data = $4 WHERE user_code = $5
                """, bindings) > 0
        }
    }

    @discardableResult
    func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.run { connection in
            try connection.run("DELETE FROM device_codes WHERE device_code = $1", [.text(deviceCode)]) > 0
        }
    }

    func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.run { connection in
            try connection.query("DELETE FROM device_codes WHERE device_code = $1 RETURNING \(SQLTables.DeviceCodes.columns)",
                                 [.text(deviceCode)], SQLTables.DeviceCodes.decode).first
        }
    }
}
