/// Size limits every adapter enforces the same way, before anything is written.
///
/// Limits are counted in UTF-8 bytes, so they mean the same on every backend whatever its
/// character set. A value over a limit gets ``IdentityStorageError/Code-swift.struct/tooLarge``
/// (payloads) or ``IdentityStorageError/Code-swift.struct/invalidArgument`` (keys).
public enum IdentityStorageLimits {
    /// Longest key, id, subject, session id, client id, type, scheme or name: 200 bytes
    /// (upstream's column width; a SHA-256 handle is 64).
    public static let maxKeyBytes = 200
    /// Longest distributed-cache key: 449 bytes, as upstream's SQL Server cache.
    public static let maxCacheKeyBytes = 449
    /// Longest short text field (descriptions, display names, URIs, claim values): 4,000 bytes.
    public static let maxTextBytes = 4_000
    /// Largest opaque payload (grant data, session ticket, PAR parameters, cache value, key data): 8 MiB.
    public static let maxPayloadBytes = 8 * 1024 * 1024
    /// Instants a store can hold, in microseconds since 1970: years 1 to 9999. A stored instant outside this
    /// range was not written by a store (a hand edit, seconds or nanoseconds written as microseconds) and reads
    /// as ``IdentityStorageError/Code-swift.struct/corruptedData``.
    public static let storedInstantMicroseconds: ClosedRange<Int64> = -62_135_596_800_000_000 ... 253_402_300_799_999_999
}
