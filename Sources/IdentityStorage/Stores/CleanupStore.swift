import Foundation

/// The batch primitives of housekeeping. Each call deletes at most `limit` rows and returns exactly
/// the rows (or the count of rows) that this call deleted: when several instances clean at once,
/// no row is ever reported by two of them. Expiry is judged against the store's clock.
/// ``CleanupRunner`` loops over these in upstream's order.
///
/// One part per kind of row, so that a store replacing one of an `IdentityStores` brings its own part of the cleanup
/// and nothing else: `stores.cleanup = stores.cleanup.replacing(grants: myGrants)` (see
/// ``CleanupStore/replacing(grants:deviceAuthorizations:pushedAuthorizationRequests:backchannelRequests:cacheEntries:)``).
public protocol CleanupStore: GrantCleanup, DeviceAuthorizationCleanup, PushedAuthorizationRequestCleanup,
    BackchannelRequestCleanup, CacheEntryCleanup {}

/// The cleanup of persisted grants (part of ``CleanupStore``).
public protocol GrantCleanup: Sendable {
    /// Deletes grants whose expiration is before now, oldest expiration first. Grants without an expiration are kept.
    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant]
    /// Deletes grants consumed before `threshold`, oldest consumption first.
    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant]
}

/// The cleanup of device codes (part of ``CleanupStore``).
public protocol DeviceAuthorizationCleanup: Sendable {
    /// Deletes device authorizations whose expiration is before now.
    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization]
}

/// The cleanup of pushed authorization requests (part of ``CleanupStore``).
public protocol PushedAuthorizationRequestCleanup: Sendable {
    /// Deletes pushed authorization requests whose expiry is before now; returns how many.
    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int
}

/// The cleanup of CIBA requests (part of ``CleanupStore``).
public protocol BackchannelRequestCleanup: Sendable {
    /// Deletes CIBA requests whose creation time plus lifetime is before now; returns how many.
    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int
}

/// The cleanup of distributed-cache entries (part of ``CleanupStore``).
public protocol CacheEntryCleanup: Sendable {
    /// Deletes expired distributed-cache entries; returns how many.
    func removeExpiredCacheEntries(limit: Int) async throws -> Int
}
