import Foundation

/// The replay cache on any ``DistributedCache``, through its atomic ``DistributedCache/add(_:value:options:)``.
public struct CacheBackedReplayCache: ReplayCache {
    /// The cache the replay entries live in.
    public var cache: any DistributedCache
    /// The clock that decides whether an expiration is already past.
    public var clock: any WallClock

    /// A replay cache in `cache`, timed by `clock`.
    public init(cache: any DistributedCache, clock: any WallClock = SystemWallClock()) {
        self.cache = cache
        self.clock = clock
    }

    public func tryAdd(purpose: String, handle: String, expiration: Date) async throws -> Bool {
        let key = try Self.key(purpose: purpose, handle: handle)
        // Before the "already past" shortcut, so that NaN or an instant no store holds is refused the same way always.
        try FieldValidation.instant(expiration, "replay expiration")
        guard expiration > clock.now else { return true }
        return try await cache.add(key, value: [], options: .absolute(expiration))
    }

    public func exists(purpose: String, handle: String) async throws -> Bool {
        try await cache.get(try Self.key(purpose: purpose, handle: handle)) != nil
    }

    /// `"DefaultReplayCache-"` as upstream, then the purpose's length so that no purpose/handle pair
    /// can spell another's key (upstream concatenates them bare).
    static func key(purpose: String, handle: String) throws(IdentityStorageError) -> String {
        try FieldValidation.key(purpose, "replay purpose")
        try FieldValidation.key(handle, "replay handle", maxBytes: IdentityStorageLimits.maxCacheKeyBytes - 64)
        let key = "DefaultReplayCache-\(purpose.utf8.count):\(purpose)\(handle)"
        try DistributedCacheKey.validate(key)
        return key
    }
}
