import Foundation

/// The batch primitives of housekeeping. Each call deletes at most `limit` rows and returns exactly
/// the rows (or the count of rows) that this call deleted: when several instances clean at once,
/// no row is ever reported by two of them. Expiry is judged against the store's clock.
/// ``CleanupRunner`` loops over these in upstream's order.
public protocol CleanupStore: Sendable {
    /// Deletes grants whose expiration is before now, oldest expiration first. Grants without an expiration are kept.
    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant]
    /// Deletes grants consumed before `threshold`, oldest consumption first.
    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant]
    /// Deletes device authorizations whose expiration is before now.
    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization]
    /// Deletes pushed authorization requests whose expiry is before now; returns how many.
    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int
    /// Deletes CIBA requests whose creation time plus lifetime is before now; returns how many.
    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int
    /// Deletes expired distributed-cache entries; returns how many.
    func removeExpiredCacheEntries(limit: Int) async throws -> Int
}
