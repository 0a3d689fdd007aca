import IdentityStorage

/// Device authorizations: primary key on the device code, a unique index on the user code.
struct SQLiteDeviceFlowStore: DeviceFlowStore {
    let database: SQLiteDatabase

    static let columns = "device_code, user_code, client_id, subject_id, session_id, description, creation_time, expiration, data"

    static func decode(_ row: SQLiteRow) throws(IdentityStorageError) -> DeviceAuthorization {
        DeviceAuthorization(deviceCode: try row.text(0), userCode: try row.text(1), clientId: try row.text(2), subjectId: try row.optionalText(3),
                            sessionId: try row.optionalText(4), description: try row.optionalText(5), creationTime: row.date(6),
                            expiration: row.date(7), data: try row.text(8))
    }

    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        try await database.write { connection in
            do {
                try connection.run("INSERT INTO device_codes(\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                    .text(authorization.deviceCode), .text(authorization.userCode), .text(authorization.clientId),
                    .optionalText(authorization.subjectId), .optionalText(authorization.sessionId), .optionalText(authorization.description),
                    .date(authorization.creationTime), .date(authorization.expiration), .text(authorization.data),
                ])
            } catch let error as IdentityStorageError where error.code == .duplicate {
                throw IdentityStorageError(.duplicate, "the device code or the user code is already in use", backendDetail: error.backendDetail)
            }
        }
    }

    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        return try await database.read { connection in
            try connection.query("SELECT \(Self.columns) FROM device_codes WHERE user_code = ?", [.text(userCode)], Self.decode).first
        }
    }

    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try await database.read { connection in
            try connection.query("SELECT \(Self.columns) FROM device_codes WHERE device_code = ?", [.text(deviceCode)], Self.decode).first
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
            try connection.query("DELETE FROM device_codes WHERE device_code = ? RETURNING \(Self.columns)", [.text(deviceCode)], Self.decode).first
        }
    }
}
