import IdentityStorage
import IdentityStorageSQL

/// CIBA requests: indexed columns for lookups and cleanup, the request itself as a JSON document;
/// take is `DELETE … RETURNING`.
struct MariaDBBackchannelAuthenticationRequestStore: BackchannelAuthenticationRequestStore {
    let database: MariaDBDatabase

    func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws {
        try request.validate()
        let values = try SQLTables.BackchannelRequests.values(request.atStoragePrecision)
        try await database.run { connection in
            try connection.run("INSERT INTO backchannel_requests(\(MariaDBSQL.quoted(SQLTables.BackchannelRequests.columns))) VALUES (?, ?, ?, ?, ?)", values)
        }
    }

    func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return try await database.run { connection in
            try connection.query("SELECT internal_id, document FROM backchannel_requests WHERE internal_id = ?", [.text(internalId)],
                                 SQLTables.BackchannelRequests.decode).first
        }
    }

    func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] {
        try FieldValidation.key(subjectId, "subjectId")
        try FieldValidation.optionalKey(clientId, "clientId")
        return try await database.run { connection in
            if let clientId {
                return try connection.query("SELECT internal_id, document FROM backchannel_requests WHERE subject_id = ? AND client_id = ?",
                                            [.text(subjectId), .text(clientId)], SQLTables.BackchannelRequests.decode)
            }
            return try connection.query("SELECT internal_id, document FROM backchannel_requests WHERE subject_id = ?",
                                        [.text(subjectId)], SQLTables.BackchannelRequests.decode)
        }
    }

    @discardableResult
    func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool {
        try FieldValidation.key(internalId, "internalId")
        var replacement = request.atStoragePrecision
        replacement.internalId = internalId
        try replacement.validate()
        let stored = replacement
        let document = try StorageJSON.string(stored)
        return try await database.run { connection in
            try connection.updateExisting("""
                UPDATE backchannel_requests SET subject_id = ?, client_id = ?, expiration = ?, document = ? WHERE internal_id = ?
                """, [.text(stored.subjectId), .text(stored.clientId), .date(stored.expiration), .text(document), .text(internalId)],
                exists: "SELECT 1 FROM backchannel_requests WHERE internal_id = ?", [.text(internalId)])
        }
    }

    @discardableResult
    func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool {
        try FieldValidation.key(internalId, "internalId")
        return try await database.run { connection in
            try connection.run("DELETE FROM backchannel_requests WHERE internal_id = ?", [.text(internalId)]) > 0
        }
    }

    func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return try await database.run { connection in
            try connection.query("DELETE FROM backchannel_requests WHERE internal_id = ? RETURNING internal_id, document",
                                 [.text(internalId)], SQLTables.BackchannelRequests.decode).first
        }
    }
}
