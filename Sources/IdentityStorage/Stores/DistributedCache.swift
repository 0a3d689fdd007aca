/// A distributed byte cache (upstream `IDistributedCache`) with the atomic operations that the
/// replay cache and device-flow throttling need.
///
/// Keys are case-sensitive and byte-exact (trailing spaces count), at most
/// ``IdentityStorageLimits/maxCacheKeyBytes`` bytes. An empty value is a value, not a miss.
/// Expiration rules: ``CacheEntryOptions``.
public protocol DistributedCache: Sendable {
    /// The value, or nil when missing or expired. Renews a sliding expiration (capped by the absolute one).
    func get(_ key: String) async throws -> [UInt8]?

    /// Stores the value, replacing any entry with this key.
    func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws

    /// Renews the sliding expiration without reading; a no-op for missing entries and entries without one.
    func refresh(_ key: String) async throws

    /// Removes the entry; false when there was none (never an error).
    @discardableResult func remove(_ key: String) async throws -> Bool

    /// Stores the value only if no live entry has this key; returns whether it stored.
    /// Exactly one of any number of concurrent callers wins. An expired entry counts as absent.
    func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool

    /// Stores the value and returns the previous live value (nil when there was none), in one step:
    /// concurrent callers each see a different previous value, as if they ran one after another.
    func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]?
}

/// The key rules of ``DistributedCache``, in one place for every adapter.
public enum DistributedCacheKey {
    /// Throws ``IdentityStorageError/Code-swift.struct/invalidArgument`` for an empty key, a NUL byte,
    /// or more than ``IdentityStorageLimits/maxCacheKeyBytes`` bytes.
    public static func validate(_ key: String) throws(IdentityStorageError) {
        try FieldValidation.key(key, "cache key", maxBytes: IdentityStorageLimits.maxCacheKeyBytes)
    }
}
