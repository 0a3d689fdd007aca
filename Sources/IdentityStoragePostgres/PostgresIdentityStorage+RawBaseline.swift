import Foundation
@_spi(Benchmark) import IdentityStorage
import IdentityStorageSQL

/// The raw libpq figures for `idstore bench`: the same statements the stores run, prepared once per
/// connection and executed with `PQsendQueryPrepared` on plain threads, each with its own connection:
/// no pool, no async hop.
@_spi(Benchmark)
extension PostgresIdentityStorage: RawGrantBaseline {
    public func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64] {
        let settings = PostgresConnectionSettings(configuration)
        let threads = max(1, concurrency)
        let slices = (0..<threads).map { index in stride(from: index, to: keys.count, by: threads).map { keys[$0] } }
        return try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for slice in slices {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread {
                            continuation.resume(with: Result { try Self.measure(settings: settings, operation: operation, keys: slice) })
                        }.start()
                    }
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
    }

    /// The statements of the grant store itself.
    private static let statements: [RawGrantOperation: String] = {
        let grants = SQLPersistedGrantStore<PostgresDatabase>.Statements(.postgres)
        return [.get: grants.get, .upsert: grants.upsert, .take: grants.take, .consume: grants.consume]
    }()

    private static func measure(settings: PostgresConnectionSettings, operation: RawGrantOperation, keys: [String]) throws -> [UInt64] {
        let connection = try PostgresConnection(settings: settings)
        defer { connection.close() }
        let sql = statements[operation]!
        var latencies: [UInt64] = []
        latencies.reserveCapacity(keys.count)
        let now = Date()
        for key in keys {
            let values: [SQLValue]
            switch operation {
            case .get, .take: values = [.text(key)]
            case .consume: values = [.date(now), .text(key)]
            case .upsert:
                values = SQLTables.Grants.values(PersistedGrant(key: key, type: "refresh_token", subjectId: "bench", clientId: "bench",
                                                                creationTime: now, expiration: now.addingTimeInterval(3600), data: "raw"))
            }
            let started = DispatchTime.now().uptimeNanoseconds
            _ = try connection.query(sql, values) { _ in 0 }
            latencies.append(DispatchTime.now().uptimeNanoseconds - started)
        }
        return latencies
    }
}

@_spi(Benchmark)
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
                    SELECT key, type, "subjectId", "sessionId", "clientId", description, "creationTime", expiration, "consumedTime", data
                    FROM jsonb_to_recordset($1::jsonb) AS batch(key text, type text, "subjectId" text, "sessionId" text, "clientId" text,
                        description text, "creationTime" bigint, expiration bigint, "consumedTime" bigint, data text)
                    ON CONFLICT (key) DO UPDATE SET type = excluded.type, subject_id = excluded.subject_id, session_id = excluded.session_id,
                        client_id = excluded.client_id, description = excluded.description, creation_time = excluded.creation_time,
                        expiration = excluded.expiration, consumed_time = excluded.consumed_time, data = excluded.data
                    """, [.text(document)], cached: false)
            }
        }
    }
}
