import Foundation
import IdentityStorage

/// Housekeeping on any SQL adapter: each call removes one batch of expired rows and reports exactly the rows
/// it deleted, oldest first; instances cleaning at once never report the same row (and, on the servers,
/// never wait for each other: `FOR UPDATE SKIP LOCKED`).
public struct SQLCleanupStore<Database: SQLDatabase>: CleanupStore {
    let database: Database
    let clock: any WallClock
    let batches: Batches

    /// Every cleanup batch of one dialect.
    public struct Batches: Sendable {
        let expiredGrants, consumedGrants, deviceCodes, pushedRequests, backchannelRequests, cacheEntries, sessions: SQLExpiryBatch

        /// The batches for `dialect`.
        public init(_ dialect: SQLDialect) {
            expiredGrants = SQLExpiryBatch(dialect, table: "persisted_grants", key: "key", column: "expiration", index: "persisted_grants_expiration",
                                           returning: SQLTables.Grants.columns)
            consumedGrants = SQLExpiryBatch(dialect, table: "persisted_grants", key: "key", column: "consumed_time", index: "persisted_grants_consumed",
                                            returning: SQLTables.Grants.columns)
            deviceCodes = SQLExpiryBatch(dialect, table: "device_codes", key: "device_code", column: "expiration", index: "device_codes_expiration",
                                         returning: SQLTables.DeviceCodes.columns)
            pushedRequests = SQLExpiryBatch(dialect, table: "pushed_authorization_requests", key: "reference_value_hash", column: "expires_at",
                                            index: "pushed_authorization_requests_expires", returning: "reference_value_hash")
            backchannelRequests = SQLExpiryBatch(dialect, table: "backchannel_requests", key: "internal_id", column: "expiration",
                                                 index: "backchannel_requests_expiration", returning: "internal_id")
            // Cache entries expire at `expires_at` itself (a read at that instant misses); the others strictly before.
            cacheEntries = SQLExpiryBatch(dialect, table: "cache_entries", key: "key", column: "expires_at", index: "cache_entries_expires",
                                          inclusive: true, returning: "key")
            sessions = .expiredSessions(dialect)
        }

        /// The row selection of every batch (parameters: the instant, the limit), for an adapter's index tests (`EXPLAIN` each).
        public var selections: [(name: String, sql: String)] {
            [("expired grants", expiredGrants.selection), ("consumed grants", consumedGrants.selection), ("device codes", deviceCodes.selection),
             ("pushed authorization requests", pushedRequests.selection), ("backchannel requests", backchannelRequests.selection),
             ("cache entries", cacheEntries.selection), ("sessions", sessions.selection)]
        }

        /// The removal of every batch (MariaDB: a delete by a JSON array of keys), for an adapter's index tests (`EXPLAIN` each).
        public var removals: [(name: String, sql: String)] {
            [("grants", expiredGrants.removal), ("device codes", deviceCodes.removal), ("pushed authorization requests", pushedRequests.removal),
             ("backchannel requests", backchannelRequests.removal), ("cache entries", cacheEntries.removal), ("sessions", sessions.removal)]
        }
    }

    /// A store over `database` judging expiry by `clock`.
    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
        self.batches = Batches(database.dialect)
    }

    /// Deletes grants whose expiration is before now, oldest expiration first. Grants without an expiration are kept.
    public func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try await batches.expiredGrants.remove(
            from: database, before: clock.now, limit: limit, decode: { try SQLTables.Grants.decode($0) }, key: \.key,
            precedes: { ($0.expiration!, ExactString($0.key)) < ($1.expiration!, ExactString($1.key)) })
    }

    /// Deletes grants consumed before `threshold`, oldest consumption first.
    public func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try FieldValidation.threshold(threshold, "consumedBefore")
        return try await batches.consumedGrants.remove(
            from: database, before: threshold, limit: limit, decode: { try SQLTables.Grants.decode($0) }, key: \.key,
            precedes: { ($0.consumedTime!, ExactString($0.key)) < ($1.consumedTime!, ExactString($1.key)) })
    }

    /// Deletes device authorizations whose expiration is before now.
    public func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try await batches.deviceCodes.remove(
            from: database, before: clock.now, limit: limit, decode: { try SQLTables.DeviceCodes.decode($0) }, key: \.deviceCode,
            precedes: { ($0.expiration, ExactString($0.deviceCode)) < ($1.expiration, ExactString($1.deviceCode)) })
    }

    /// Deletes pushed authorization requests whose expiry is before now; returns how many.
    public func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await batches.pushedRequests.removeCounting(from: database, before: clock.now, limit: limit)
    }

    /// Deletes CIBA requests whose creation time plus lifetime is before now; returns how many.
    public func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await batches.backchannelRequests.removeCounting(from: database, before: clock.now, limit: limit)
    }

    /// Deletes expired distributed-cache entries; returns how many.
    public func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try await batches.cacheEntries.removeCounting(from: database, before: clock.now, limit: limit)
    }
}
