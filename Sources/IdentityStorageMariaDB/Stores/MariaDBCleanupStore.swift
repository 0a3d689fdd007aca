import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Housekeeping batches. Each is one short transaction: `SELECT … ORDER BY expiry, key LIMIT n FOR
/// UPDATE SKIP LOCKED` takes up to `n` expired rows that no other cleaner holds, then a delete removes
/// exactly those (this transaction holds their locks), and the call reports them: two instances cleaning
/// at once never report the same row, and neither waits for the other.
/// The selection forces the expiry index and the delete joins from the key list through the primary key,
/// so each transaction locks only its own rows. (Never `IN (SELECT … LIMIT)`: MariaDB rejects it.)
struct MariaDBCleanupStore: CleanupStore {
    let database: MariaDBDatabase
    let clock: any WallClock

    private struct Target {
        var table: String
        var key: String
        var column: String
        /// The index on `column`, forced so the locking scan reads (and locks) only the rows it returns.
        var index: String
        /// Cache entries expire at `expires_at` itself (a read at that instant misses); the others strictly before now.
        var inclusive = false

        func selection(columns: String) -> String {
            "SELECT \(columns) FROM \(table) FORCE INDEX (\(index)) WHERE \(column) \(inclusive ? "<=" : "<") ? ORDER BY \(column), `\(key)` LIMIT ? FOR UPDATE SKIP LOCKED"
        }

        var deletion: String { MariaDBSQL.deleteByKeys(table: table, key: key) }
    }

    private static let expiredGrants = Target(table: "persisted_grants", key: "key", column: "expiration", index: "persisted_grants_expiration")
    private static let consumedGrants = Target(table: "persisted_grants", key: "key", column: "consumed_time", index: "persisted_grants_consumed")
    private static let deviceCodes = Target(table: "device_codes", key: "device_code", column: "expiration", index: "device_codes_expiration")
    private static let pushedRequests = Target(table: "pushed_authorization_requests", key: "reference_value_hash", column: "expires_at",
                                             index: "pushed_authorization_requests_expires")
    private static let backchannelRequests = Target(table: "backchannel_requests", key: "internal_id", column: "expiration", index: "backchannel_requests_expiration")
    private static let cacheEntries = Target(table: "cache_entries", key: "key", column: "expires_at", index: "cache_entries_expires", inclusive: true)

    /// The row selections of every cleanup batch (parameters: the instant, the limit), for the index tests.
    static let batchSelections: [(name: String, sql: String)] = [
        ("expired grants", expiredGrants.selection(columns: MariaDBPersistedGrantStore.columns)),
        ("consumed grants", consumedGrants.selection(columns: MariaDBPersistedGrantStore.columns)),
        ("device codes", deviceCodes.selection(columns: MariaDBDeviceFlowStore.columns)),
        ("pushed authorization requests", pushedRequests.selection(columns: "reference_value_hash")),
        ("backchannel requests", backchannelRequests.selection(columns: "internal_id")),
        ("cache entries", cacheEntries.selection(columns: "`key`")),
        ("sessions", MariaDBServerSideSessionStore.expiredSelection),
    ]

    /// The deletions by key list of every cleanup batch (parameter: a JSON array of keys), for the index tests.
    static let batchDeletions: [(name: String, sql: String)] = [
        ("grants", expiredGrants.deletion), ("device codes", deviceCodes.deletion), ("pushed authorization requests", pushedRequests.deletion),
        ("backchannel requests", backchannelRequests.deletion), ("cache entries", cacheEntries.deletion),
        ("sessions", MariaDBServerSideSessionStore.deletion),
    ]

    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try await removeRows(Self.expiredGrants, columns: MariaDBPersistedGrantStore.columns, before: clock.now, limit: limit,
                             decode: SQLTables.Grants.decode, key: \.key)
    }

    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try await removeRows(Self.consumedGrants, columns: MariaDBPersistedGrantStore.columns, before: threshold, limit: limit,
                             decode: SQLTables.Grants.decode, key: \.key)
    }

    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try await removeRows(Self.deviceCodes, columns: MariaDBDeviceFlowStore.columns, before: clock.now, limit: limit,
                             decode: SQLTables.DeviceCodes.decode, key: \.deviceCode)
    }

    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await removeRows(Self.pushedRequests, columns: "reference_value_hash", before: clock.now, limit: limit,
                             decode: { try $0.text(0) }, key: \.self).count
    }

    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await removeRows(Self.backchannelRequests, columns: "internal_id", before: clock.now, limit: limit,
                             decode: { try $0.text(0) }, key: \.self).count
    }

    func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try await removeRows(Self.cacheEntries, columns: "`key`", before: clock.now, limit: limit,
                             decode: { try $0.text(0) }, key: \.self).count
    }

    /// Selects (locking, skipping rows other cleaners hold) and deletes one batch; returns the deleted rows
    /// in selection order: oldest first, then by key.
    private func removeRows<T: Sendable>(_ target: Target, columns: String, before instant: Date, limit: Int,
                                         decode: @escaping @Sendable (MariaDBRow) throws -> T,
                                         key: @escaping @Sendable (T) -> String) async throws -> [T] {
        try FieldValidation.positive(limit, "limit")
        return try await database.transaction { connection in
            let rows = try connection.query(target.selection(columns: columns), [.date(instant), .int(limit)], decode)
            if !rows.isEmpty {
                try connection.run(target.deletion, [.text(try StorageJSON.string(rows.map(key)))])
            }
            return rows
        }
    }
}
