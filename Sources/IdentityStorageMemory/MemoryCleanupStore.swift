import Foundation
import IdentityStorage

/// Housekeeping over the in-memory stores; each batch is one lock hold per store, so concurrent cleaners never share a row.
public struct MemoryCleanupStore: CleanupStore {
    let grants: MemoryPersistedGrantStore
    let deviceFlow: MemoryDeviceFlowStore
    let pushedAuthorizationRequests: MemoryPushedAuthorizationRequestStore
    let backchannelRequests: MemoryBackchannelAuthenticationRequestStore
    let cache: MemoryDistributedCache
    let clock: any WallClock

    init(grants: MemoryPersistedGrantStore, deviceFlow: MemoryDeviceFlowStore, pushedAuthorizationRequests: MemoryPushedAuthorizationRequestStore,
         backchannelRequests: MemoryBackchannelAuthenticationRequestStore, cache: MemoryDistributedCache, clock: any WallClock) {
        self.grants = grants
        self.deviceFlow = deviceFlow
        self.pushedAuthorizationRequests = pushedAuthorizationRequests
        self.backchannelRequests = backchannelRequests
        self.cache = cache
        self.clock = clock
    }

    public func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try FieldValidation.positive(limit, "limit")
        return grants.removeExpired(before: clock.now, limit: limit)
    }

    public func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try FieldValidation.positive(limit, "limit")
        try FieldValidation.threshold(threshold, "consumedBefore")
        return grants.removeConsumed(before: threshold, limit: limit)
    }

    public func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try FieldValidation.positive(limit, "limit")
        return deviceFlow.removeExpired(before: clock.now, limit: limit)
    }

    public func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try FieldValidation.positive(limit, "limit")
        return pushedAuthorizationRequests.removeExpired(before: clock.now, limit: limit)
    }

    public func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try FieldValidation.positive(limit, "limit")
        return backchannelRequests.removeExpired(before: clock.now, limit: limit)
    }

    public func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try FieldValidation.positive(limit, "limit")
        return cache.removeExpired(at: clock.now, limit: limit)
    }
}
