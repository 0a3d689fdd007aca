import Foundation
import IdentityStorage
import IdentityStorageMariaDB
import IdentityStorageSQL
import IdentityStorageTool

/// The raw libmariadb figures for `idstore bench`: the statements the stores run, prepared once per
/// connection (`mysql_stmt_*`), executed on plain threads each with its own connection: no pool, no async hop.
extension MariaDBIdentityStorage: RawGrantBaseline {
    public func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64] {
        let settings = try configuration.connectionSettings()
        return try await RawBaselineThreads.onThreads(keys: keys, threads: concurrency) { slice in
            try Self.measure(settings: settings, operation: operation, keys: slice)
        }
    }

    /// The statements of the grant store itself.
    private static let grantStatements = SQLPersistedGrantStore<MariaDBDatabase>.Statements(.mariadb)

    private static func measure(settings: MariaDBConnectionSettings, operation: RawGrantOperation, keys: [String]) throws -> [UInt64] {
        let connection = try MariaDBConnection(settings: settings)
        defer { connection.close() }
        let now = Date()
        return try RawBaselineThreads.timing(keys) { key in
            let (sql, values) = grantStatements.raw(operation, key: key, now: now)
            switch operation {
            case .get, .take:
                _ = try connection.query(sql, values) { _ in 0 }
            case .upsert:
                try connection.run(sql, values)
            case .consume:
                // What consumeGrant runs: a conditional UPDATE, then the winner reads its row, in one transaction.
                _ = try connection.transaction {
                    if try connection.run(sql, values) == 1 {
                        _ = try connection.query(grantStatements.consumedRow, [.text(key)]) { _ in 0 }
                    }
                }
            }
        }
    }
}

extension MariaDBIdentityStorage: GrantBulkLoading {
    /// Batches of up to 2,000 grants (and about 4 MB), each one `INSERT … SELECT … FROM JSON_TABLE(?) …
    /// ON DUPLICATE KEY UPDATE` statement (one round trip); a key given twice keeps its last grant.
    public func bulkStoreGrants(_ grants: [PersistedGrant]) async throws {
        for grant in grants { try grant.validate() }
        var start = 0
        while start < grants.count {
            var end = start
            var bytes = 0
            while end < grants.count, end - start < 2_000, bytes < 4_000_000 {
                bytes += grants[end].data.utf8.count + (grants[end].description?.utf8.count ?? 0) + 400
                end += 1
            }
            let document = try StorageJSON.string(Array(grants[start..<end]))
            start = end
            try await database.run { connection in
                try connection.run(Self.bulkUpsert, [.text(document)])
            }
        }
    }

    private static let bulkUpsert = """
        INSERT INTO persisted_grants(\(SQLDialect.mariadb.columns(SQLTables.Grants.columns)))
        SELECT grant_key, type, subject_id, session_id, client_id, description, creation_time, expiration, consumed_time, data,
            family_id, successor_key, reuse_count
        FROM JSON_TABLE(?, '$[*]' COLUMNS (
            grant_key VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.key',
            type VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.type',
            subject_id VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.subjectId',
            session_id VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.sessionId',
            client_id VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.clientId',
            description TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.description',
            creation_time BIGINT PATH '$.creationTime',
            expiration BIGINT PATH '$.expiration',
            consumed_time BIGINT PATH '$.consumedTime',
            data LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.data',
            family_id VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.familyId',
            successor_key VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$.successorKey',
            reuse_count INT PATH '$.reuseCount')) AS batch
        ON DUPLICATE KEY UPDATE type = VALUES(type), subject_id = VALUES(subject_id), session_id = VALUES(session_id),
            client_id = VALUES(client_id), description = VALUES(description), creation_time = VALUES(creation_time),
            expiration = VALUES(expiration), consumed_time = VALUES(consumed_time), data = VALUES(data),
            family_id = VALUES(family_id), successor_key = VALUES(successor_key), reuse_count = VALUES(reuse_count)
        """
}
