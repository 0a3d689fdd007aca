import Foundation

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
    /// Instants a store accepts and gives back, in microseconds since 1970: 0001-01-01T00:00:00Z (proleptic Gregorian,
    /// UTC) to 9999-12-31T23:59:59.999968Z, the last `Date` before year 10000 (a `Date` is a `Double` of seconds since
    /// 2001: near year 9999 it moves in steps of about 30 µs, so no `Date` holds a later microsecond of that year).
    ///
    /// The one range of every backend, on both sides: a write of an instant outside it (and of an interval that puts
    /// an expiry outside it) gets ``IdentityStorageError/Code-swift.struct/invalidArgument`` naming the field and
    /// this range (``FieldValidation/instant(_:_:)->_``), and every instant inside it reads back. A stored value outside it
    /// was not written by a store (a hand edit, seconds or nanoseconds written as microseconds) and reads as
    /// ``IdentityStorageError/Code-swift.struct/corruptedData``. `Date.distantPast` is outside it: Foundation's year 1
    /// is the Julian one, two days before the proleptic Gregorian 0001-01-01.
    public static let storedInstantMicroseconds: ClosedRange<Int64> = -62_135_596_800_000_000 ... 253_402_300_799_999_968

    /// ``storedInstantMicroseconds`` as instants: the first and the last `Date` a store accepts.
    public static let storedInstants: ClosedRange<Date> =
        Date(microsecondsSince1970: storedInstantMicroseconds.lowerBound) ... Date(microsecondsSince1970: storedInstantMicroseconds.upperBound)

    /// ``storedInstantMicroseconds`` as error messages show it (ISO 8601, so the proleptic Gregorian calendar; Foundation's
    /// formatters show instants before 1582 in the Julian one, where the first is 0001-01-03).
    public static let storedInstantRangeText = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999968Z"
}
