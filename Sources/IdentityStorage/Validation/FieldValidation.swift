import Foundation

/// Checks shared by every model's `validate()`: one wording, one error code per rule, on every backend.
public enum FieldValidation {
    /// A key or id: not empty, no NUL byte, at most `maxBytes` UTF-8 bytes.
    public static func key(_ value: String, _ field: String, maxBytes: Int = IdentityStorageLimits.maxKeyBytes) throws(IdentityStorageError) {
        if value.isEmpty {
            throw .invalidArgument("\(field) must not be empty")
        }
        try noNul(value, field)
        let length = value.utf8.count
        if length > maxBytes {
            throw .invalidArgument("\(field) is \(length) bytes; at most \(maxBytes) are allowed")
        }
    }

    /// An optional key: when present, as ``key(_:_:maxBytes:)``.
    public static func optionalKey(_ value: String?, _ field: String) throws(IdentityStorageError) {
        if let value { try key(value, field) }
    }

    /// Free text (names, descriptions, URIs): no NUL byte, at most ``IdentityStorageLimits/maxTextBytes``.
    public static func text(_ value: String?, _ field: String) throws(IdentityStorageError) {
        guard let value else { return }
        try noNul(value, field)
        let length = value.utf8.count
        if length > IdentityStorageLimits.maxTextBytes {
            throw .tooLarge("\(field) is \(length) bytes; at most \(IdentityStorageLimits.maxTextBytes) are allowed")
        }
    }

    /// Each element of a collection of short strings, as ``text(_:_:)``.
    public static func texts<S: Sequence<String>>(_ values: S, _ field: String) throws(IdentityStorageError) {
        for value in values { try text(value, field) }
    }

    /// An opaque payload: no NUL byte, at most ``IdentityStorageLimits/maxPayloadBytes``.
    public static func payload(_ value: String, _ field: String) throws(IdentityStorageError) {
        // The size first: it is known without reading the text, and an oversized payload need not be scanned.
        try payloadSize(value.utf8.count, field)
        try noNul(value, field)
    }

    /// A binary payload's size, at most ``IdentityStorageLimits/maxPayloadBytes``.
    public static func payloadSize(_ length: Int, _ field: String) throws(IdentityStorageError) {
        if length > IdentityStorageLimits.maxPayloadBytes {
            throw .tooLarge("\(field) is \(length) bytes; at most \(IdentityStorageLimits.maxPayloadBytes) are allowed")
        }
    }

    /// A count or lifetime that must not be negative.
    public static func nonNegative(_ value: Int, _ field: String) throws(IdentityStorageError) {
        if value < 0 { throw .invalidArgument("\(field) must not be negative (got \(value))") }
    }

    /// A batch size or page size that must be at least one.
    public static func positive(_ value: Int, _ field: String) throws(IdentityStorageError) {
        if value < 1 { throw .invalidArgument("\(field) must be at least 1 (got \(value))") }
    }

    /// A time setting (a timeout, an interval) that must be above zero: the rule every adapter's configuration
    /// shares, the same one ``StoreURLParameters/duration(_:aliases:)`` applies to URL parameters.
    public static func positive(_ value: Duration, _ field: String) throws(IdentityStorageError) {
        if value <= .zero { throw .invalidArgument("\(field) must be a positive time (got \(value))") }
    }

    /// A setting that must be a whole number within `range` (pool sizes, counts).
    public static func within(_ range: ClosedRange<Int>, _ value: Int, _ field: String) throws(IdentityStorageError) {
        if !range.contains(value) {
            throw .invalidArgument("\(field) must be from \(range.lowerBound) to \(range.upperBound) (got \(value))")
        }
    }

    /// An instant a store keeps: within ``IdentityStorageLimits/storedInstants``, otherwise
    /// ``IdentityStorageError/Code-swift.struct/invalidArgument`` naming `field` and the range (NaN and infinities
    /// included). Returns the microseconds since 1970 the store writes.
    @discardableResult
    public static func instant(_ value: Date, _ field: @autoclosure () -> String) throws(IdentityStorageError) -> Int64 {
        if let micros = storedMicroseconds(value) { return micros }
        throw .invalidArgument("\(field()) must be an instant from \(IdentityStorageLimits.storedInstantRangeText) "
                               + "(got \(value.timeIntervalSince1970) s since 1970)")
    }

    /// An optional instant: when present, as ``instant(_:_:)``.
    public static func instant(_ value: Date?, _ field: @autoclosure () -> String) throws(IdentityStorageError) {
        if let value { try instant(value, field()) }
    }

    /// An interval from `now` that sets an instant a store keeps (a relative or sliding expiration): `now + seconds`
    /// must be within ``IdentityStorageLimits/storedInstants``, otherwise
    /// ``IdentityStorageError/Code-swift.struct/invalidArgument`` naming `field` and the range. Returns that instant.
    @discardableResult
    public static func instant(after seconds: TimeInterval, from now: Date, _ field: @autoclosure () -> String) throws(IdentityStorageError) -> Date {
        let instant = now.addingTimeInterval(seconds)
        guard storedMicroseconds(instant) == nil else { return instant }
        throw .invalidArgument("\(field()) of \(seconds) s ends outside the instants a store holds, "
                               + IdentityStorageLimits.storedInstantRangeText)
    }

    /// An instant that stored instants are compared with but that is never stored (a "created after" or "consumed
    /// before" threshold): any instant but NaN, which compares with nothing and gets
    /// ``IdentityStorageError/Code-swift.struct/invalidArgument``. One past either end of the stored range means the same
    /// as any farther (`Date.distantPast` is before every stored instant), so those are not refused.
    public static func threshold(_ value: Date, _ field: @autoclosure () -> String) throws(IdentityStorageError) {
        if value.timeIntervalSince1970.isNaN { throw .invalidArgument("\(field()) must be an instant (got NaN)") }
    }

    /// The instant's microseconds if a store keeps it. Compared as a `Double` first: `Int64(_:)` traps on NaN,
    /// infinities and anything past ±2⁶³.
    private static func storedMicroseconds(_ value: Date) -> Int64? {
        let micros = (value.timeIntervalSince1970 * 1_000_000).rounded()
        guard micros > -9e18, micros < 9e18 else { return nil } // false for NaN too
        let whole = Int64(micros)
        return IdentityStorageLimits.storedInstantMicroseconds.contains(whole) ? whole : nil
    }

    private static func noNul(_ value: String, _ field: String) throws(IdentityStorageError) {
        // NUL cannot be stored in PostgreSQL text and truncates C strings elsewhere: reject it everywhere.
        if value.containsNulByte {
            throw .invalidArgument("\(field) contains a NUL byte")
        }
    }
}

/// Whether a filter string counts as "set": upstream treats nil, empty and whitespace-only alike.
@inlinable
func isBlank(_ value: String?) -> Bool {
    guard let value else { return true }
    return value.allSatisfy(\.isWhitespace)
}
