import Foundation

/// Expiration of a distributed-cache entry (upstream's `DistributedCacheEntryOptions`).
///
/// Rules, the same on every backend:
/// - No expiration set: the entry never expires.
/// - ``absoluteExpirationRelativeToNow`` wins over ``absoluteExpiration`` when both are set
///   (after the absolute one is checked, as upstream's Redis and SQL caches do).
/// - A relative or sliding interval must be positive; an absolute expiration must be in the future
///   when the entry is written. Either violation throws ``IdentityStorageError/Code-swift.struct/invalidArgument``.
/// - Sliding expiration is renewed by ``DistributedCache/get(_:)`` and ``DistributedCache/refresh(_:)``
///   but never extends the entry beyond its absolute expiration.
/// - Intervals are honoured to the millisecond (no rounding to whole seconds).
/// - Every instant set (the absolute expiration, now plus a relative or sliding interval) must be within
///   ``IdentityStorageLimits/storedInstants``; otherwise ``IdentityStorageError/Code-swift.struct/invalidArgument``.
public struct CacheEntryOptions: Hashable, Sendable {
    /// A fixed instant at which the entry expires.
    public var absoluteExpiration: Date?
    /// An interval from the write after which the entry expires.
    public var absoluteExpirationRelativeToNow: TimeInterval?
    /// An idle interval after which the entry expires unless read or refreshed.
    public var slidingExpiration: TimeInterval?

    /// Options with the given expirations; each is optional, and none set means the entry never expires.
    public init(absoluteExpiration: Date? = nil, absoluteExpirationRelativeToNow: TimeInterval? = nil, slidingExpiration: TimeInterval? = nil) {
        self.absoluteExpiration = absoluteExpiration
        self.absoluteExpirationRelativeToNow = absoluteExpirationRelativeToNow
        self.slidingExpiration = slidingExpiration
    }

    /// Never expires.
    public static let none = CacheEntryOptions()

    /// Expires at `date`.
    public static func absolute(_ date: Date) -> CacheEntryOptions { CacheEntryOptions(absoluteExpiration: date) }

    /// Expires `seconds` after the write.
    public static func relative(_ seconds: TimeInterval) -> CacheEntryOptions { CacheEntryOptions(absoluteExpirationRelativeToNow: seconds) }

    /// Expires after `seconds` without a read or refresh.
    public static func sliding(_ seconds: TimeInterval) -> CacheEntryOptions { CacheEntryOptions(slidingExpiration: seconds) }

    /// The expiration an entry written at `now` gets: what every adapter stores.
    /// Throws for a non-positive interval or an absolute expiration not after `now`.
    public func resolve(at now: Date) throws(IdentityStorageError) -> ResolvedCacheExpiration {
        // First, so that NaN (which compares false with everything) cannot slip past the rules below.
        try FieldValidation.instant(absoluteExpiration, "cache absoluteExpiration")
        if let absoluteExpiration, absoluteExpiration <= now {
            throw .invalidArgument("The absolute expiration value must be in the future.")
        }
        if let relative = absoluteExpirationRelativeToNow, !(relative > 0) {
            throw .invalidArgument("The relative expiration value must be positive.")
        }
        if let sliding = slidingExpiration, !(sliding > 0) {
            throw .invalidArgument("The sliding expiration value must be positive.")
        }
        var absolute = absoluteExpiration
        if let relative = absoluteExpirationRelativeToNow {
            absolute = try FieldValidation.instant(after: relative, from: now, "cache absoluteExpirationRelativeToNow")
        }
        if let sliding = slidingExpiration {
            // The first expiry; renewals move it later but never past the absolute cap.
            try FieldValidation.instant(after: sliding, from: now, "cache slidingExpiration")
        }
        return ResolvedCacheExpiration(absolute: absolute?.roundedToStoragePrecision, sliding: slidingExpiration, now: now)
    }
}

/// A cache entry's expiration as stored: an absolute cap, a sliding interval, and the instant it expires next.
public struct ResolvedCacheExpiration: Hashable, Sendable {
    /// The hard cap; nil when none.
    public var absolute: Date?
    /// The sliding interval in seconds; nil when none.
    public var sliding: TimeInterval?
    /// ``sliding`` in whole microseconds, as stores keep it.
    public var slidingMicroseconds: Int64? { sliding.map { Int64(saturating: ($0 * 1_000_000).rounded()) } }
    /// When the entry expires unless renewed: `min(now + sliding, absolute)`; nil for never.
    public var expiresAt: Date?

    /// The expiration of an entry written or renewed at `now`, with an `absolute` cap and a `sliding` interval in
    /// seconds.
    public init(absolute: Date?, sliding: TimeInterval?, now: Date) {
        self.absolute = absolute
        self.sliding = sliding
        self.expiresAt = ResolvedCacheExpiration.expiry(absolute: absolute, sliding: sliding, now: now)
    }

    /// The next expiry of an entry renewed at `now`.
    public static func expiry(absolute: Date?, sliding: TimeInterval?, now: Date) -> Date? {
        guard let sliding else { return absolute }
        let slid = now.addingTimeInterval(sliding).roundedToStoragePrecision
        guard let absolute else { return slid }
        return min(slid, absolute)
    }
}
