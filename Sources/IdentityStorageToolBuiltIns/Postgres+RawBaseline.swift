import Foundation
import IdentityStorage
import IdentityStoragePostgres
import IdentityStorageSQL
import IdentityStorageTool

/// The raw libpq figures for `idstore bench`: the same statements the stores run, prepared once per
/// connection and executed with `PQsendQueryPrepared` on plain threads, each with its own connection:
/// no pool, no async hop.
extension PostgresIdentityStorage: RawGrantBaseline {
    public func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64] {
        let settings = PostgresConnectionSettings(configuration)
        return try await RawBaselineThreads.onThreads(keys: keys, threads: concurrency) { slice in
            try Self.measure(settings: settings, operation: operation, keys: slice)
        }
    }

    /// The statements of the grant store itself.
    private static let grantStatements = SQLPersistedGrantStore<PostgresDatabase>.Statements(.postgres)

    private static func measure(settings: PostgresConnectionSettings, operation: RawGrantOperation, keys: [String]) throws -> [UInt64] {
        let connection = try PostgresConnection(settings: settings)
        defer { connection.close() }
        let now = Date()
        return try RawBaselineThreads.timing(keys) { key in
            let (sql, values) = grantStatements.raw(operation, key: key, now: now)
            _ = try connection.query(sql, values) { _ in 0 }
        }
    }
}

extension PostgresIdentityStorage: GrantBulkLoading {
    /// Batches of up to 5,000 grants, each one `INSERT … SELECT FROM jsonb_to_recordset(…) ON CONFLICT DO UPDATE`
    /// statement (one round trip); a key given twice keeps its last grant.
    public func bulkStoreGrants(_ grants: [PersistedGrant]) async throws {
        for grant in grants { try grant.validate() }
        var latest: [ExactString: Int] = [:]
        for (index, grant) in grants.enumerated() { latest[ExactString(grant.key)] = index }
        let unique = grants.indices.filter { latest[ExactString(grants[$0].key)] == $0 }.map { grants[$0] }
        var start = 0
        while start < unique.count {
            let batch = Array(unique[start..<min(start + 5_000, unique.count)])
            start += batch.count
            let document = try StorageJSON.string(batch)
            try await database.run { connection in
                try connection.run("""
                    INSERT INTO persisted_grants(\(SQLTables.Grants.columns))
                    SELECT key, type, "subjectId", "sessionId", "clientId", description, "creationTime", expiration, "consumedTime", data,
                        "familyId", "successorKey", "reuseCount"
                    FROM jsonb_to_recordset($1::jsonb) AS batch(key text, type text, "subjectId" text, "sessionId" text, "clientId" text,
                        description text, "creationTime" bigint, expiration bigint, "consumedTime" bigint, data text,
                        "familyId" text, "successorKey" text, "reuseCount" integer)
                    ON CONFLICT (key) DO UPDATE SET type = excluded.type, subject_id = excluded.subject_id, session_id = excluded.session_id,
                        client_id = excluded.client_id, description = excluded.description, creation_time = excluded.creation_time,
                        expiration = excluded.expiration, consumed_time = excluded.consumed_time, data = excluded.data,
                        family_id = excluded.family_id, successor_key = excluded.successor_key, reuse_count = excluded.reuse_count
                    """, [.text(document)], cached: false)
            }
        }
    }
}
