import IdentityStorage
import IdentityStorageSQL

/// CIBA requests: indexed columns for lookups and cleanup, the request itself as a JSON document.
struct PostgresBackchannelAuthenticationRequestStore: BackchannelAuthenticationRequestStore {
    let database: PostgresDatabase

    func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws {
        try request.validate()
        let values = try SQLTables.BackchannelRequests.values(request.atStoragePrecision)
        try await database.run { connection in
            try connection.run("INSERT INTO backchannel_requests(\(SQLTables.BackchannelRequests.columns)) VALUES ($1, $2, $3, $4, $5)", values)
        }
    }

    func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return try await database.run { connection in
            try connection.query("SELECT internal_id, document FROM backchannel_requests WHERE internal_id = $1", [.text(internalId)],
                                 SQLTables.BackchannelRequests.decode).first
        }
    }

    func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] {
        try FieldValidation.key(subjectId, "subjectId")
        try FieldValidation.optionalKey(clientId, "clientId")
        return try await database.run { connection in
            if let clientId {
                return try connection.query("SELECT internal_id, document FROM backchannel_requests WHERE subject_id = $1 AND client_id = $2",
                                            [.text(subjectId), .text(clientId)], SQLTables.BackchannelRequests.decode)
            }
            return try connection.query("SELECT internal_id, document FROM backchannel_requests WHERE subject_id = $1",
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
            try connection.run("""
                UPDATE backchannel_requests SET subject_id = $1, client_id = $2, expiration = $3, document = $4 WHERE internal_id = $5
                """, [.text(stored.subjectId), .text(stored.clientId), .date(stored.expiration), .text(document), .text(internalId)]) > 0
        }
    }

    @discardableResult
    func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool {
        try FieldValidation.key(internalId, "internalId")
        return try await database.run { connection in
            try connection.run("DELETE FROM backchannel_requests WHERE internal_id = $1", [.text(internalId)]) > 0
        }
    }

    func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return try await database.run { connection in
            try connection.query("DELETE FROM backchannel_requests WHERE internal_id = $1 RETURNING internal_id, document",
                                 [.text(internalId)], SQLTables.BackchannelRequests.decode).first
        }
    }
}
