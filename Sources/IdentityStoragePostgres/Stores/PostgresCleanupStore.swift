import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Housekeeping batches: each is one
/// `DELETE … WHERE key IN (SELECT key … ORDER BY expiry, key LIMIT n FOR UPDATE SKIP LOCKED) RETURNING`,
/// so instances cleaning at once lock disjoint rows (without waiting for each other) and each reports
/// exactly the rows it deleted, oldest first.
struct PostgresCleanupStore: CleanupStore {
    let database: PostgresDatabase
    let clock: any WallClock

    /// The row selections of every cleanup batch (`$1` the instant, `$2` the limit), shared with the index-plan tests.
    static let batchSelections: [(name: String, sql: String)] = [
        ("expired grants", selection(table: "persisted_grants", key: "key", column: "expiration", inclusive: false)),
        ("consumed grants", selection(table: "persisted_grants", key: "key", column: "consumed_time", inclusive: false)),
        ("device codes", selection(table: "device_codes", key: "device_code", column: "expiration", inclusive: false)),
        ("pushed authorization requests", selection(table: "pushed_authorization_requests", key: "reference_value_hash", column: "expires_at", inclusive: false)),
        ("backchannel requests", selection(table: "backchannel_requests", key: "internal_id", column: "expiration", inclusive: false)),
        ("cache entries", selection(table: "cache_entries", key: "key", column: "expires_at", inclusive: true)),
        ("sessions", PostgresServerSideSessionStore.expiredSelection),
    ]

    static func selection(table: String, key: String, column: String, inclusive: Bool) -> String {
        "SELECT \(key) FROM \(table) WHERE \(column) \(inclusive ? "<=" : "<") $1 ORDER BY \(column), \(key) LIMIT $2 FOR UPDATE SKIP LOCKED"
    }

    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try await removeGrants(column: "expiration", before: clock.now, limit: limit)
            .sorted { ($0.expiration!, ExactString($0.key)) < ($1.expiration!, ExactString($1.key)) }
    }

    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try await removeGrants(column: "consumed_time", before: threshold, limit: limit)
            .sorted { ($0.consumedTime!, ExactString($0.key)) < ($1.consumedTime!, ExactString($1.key)) }
    }

    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try FieldValidation.positive(limit, "limit")
        let now = clock.now
        return try await database.run { connection in
            try connection.query("""
                DELETE FROM device_codes WHERE device_code IN
                    (\(Self.selection(table: "device_codes", key: "device_code", column: "expiration", inclusive: false)))
                RETURNING \(SQLTables.DeviceCodes.columns)
                """, [.date(now), .int(limit)], SQLTables.DeviceCodes.decode)
        }.sorted { ($0.expiration, ExactString($0.deviceCode)) < ($1.expiration, ExactString($1.deviceCode)) }
    }

    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await deleteExpired(table: "pushed_authorization_requests", key: "reference_value_hash", column: "expires_at", limit: limit)
    }

    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await deleteExpired(table: "backchannel_requests", key: "internal_id", column: "expiration", limit: limit)
    }

    func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try await deleteExpired(table: "cache_entries", key: "key", column: "expires_at", limit: limit, inclusive: true)
    }

    private func removeGrants(column: String, before instant: Date, limit: Int) async throws -> [PersistedGrant] {
        try FieldValidation.positive(limit, "limit")
        return try await database.run { connection in
            try connection.query("""
                DELETE FROM persisted_grants WHERE key IN (\(Self.selection(table: "persisted_grants", key: "key", column: column, inclusive: false)))
                RETURNING \(SQLTables.Grants.columns)
                """, [.date(instant), .int(limit)], SQLTables.Grants.decode)
        }
    }

    /// Cache entries expire at `expires_at` itself (a read at that instant misses), the others strictly before now.
    private func deleteExpired(table: String, key: String, column: String, limit: Int, inclusive: Bool = false) async throws -> Int {
        try FieldValidation.positive(limit, "limit")
        let now = clock.now
        return try await database.run { connection in
            try connection.run("""
                DELETE FROM \(table) WHERE \(key) IN (\(Self.selection(table: table, key: key, column: column, inclusive: inclusive)))
                """, [.date(now), .int(limit)])
        }
    }
}
