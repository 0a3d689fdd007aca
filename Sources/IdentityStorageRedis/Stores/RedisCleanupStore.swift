import Foundation
import IdentityStorage

/// Housekeeping batches. Each removes only what is still due inside a script and reports exactly that,
/// so concurrent cleaners never report one item twice. Expiry is judged against the store's clock.
///
/// A batch over the 16 buckets (grants, cache entries) takes many commands; once started it runs to its end however
/// its caller's task is cancelled (``wholeBatch(_:)``), so that the rows its first scripts removed are reported: a
/// cancelled caller would leave the queue before the next command and lose them.
struct RedisCleanupStore: CleanupStore {
    let context: RedisStoreContext

    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        let context = context
        return try await wholeBatch { try await RedisPersistedGrantStore(context: context).removeDue(zset: "e", before: context.clock.now, limit: limit) }
            .sorted { ($0.expiration!, ExactString($0.key)) < ($1.expiration!, ExactString($1.key)) }
    }

    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try FieldValidation.threshold(threshold, "consumedBefore")
        let context = context
        return try await wholeBatch { try await RedisPersistedGrantStore(context: context).removeDue(zset: "u", before: threshold, limit: limit) }
            .sorted { ($0.consumedTime!, ExactString($0.key)) < ($1.consumedTime!, ExactString($1.key)) }
    }

    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try await RedisDeviceFlowStore(context: context).removeExpired(limit: limit)
    }

    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await RedisPushedAuthorizationRequestStore(context: context).removeExpired(limit: limit)
    }

    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await RedisBackchannelAuthenticationRequestStore(context: context).removeExpired(limit: limit)
    }

    func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        let context = context
        return try await wholeBatch { try await RedisDistributedCache(context: context).removeExpired(limit: limit) }
    }
}
