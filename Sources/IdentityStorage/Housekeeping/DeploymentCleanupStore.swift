import Foundation

/// Cleanup of a deployment whose cache lives apart from its operational data.
struct DeploymentCleanupStore: CleanupStore {
    let operational: any CleanupStore
    let cache: any CleanupStore

    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try await operational.removeExpiredGrants(limit: limit)
    }

    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try await operational.removeConsumedGrants(consumedBefore: threshold, limit: limit)
    }

    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try await operational.removeExpiredDeviceAuthorizations(limit: limit)
    }

    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await operational.removeExpiredPushedAuthorizationRequests(limit: limit)
    }

    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await operational.removeExpiredBackchannelRequests(limit: limit)
    }

    func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try await cache.removeExpiredCacheEntries(limit: limit)
    }
}
