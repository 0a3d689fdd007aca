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
        try noNul(value, field)
        try payloadSize(value.utf8.count, field)
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

    private static func noNul(_ value: String, _ field: String) throws(IdentityStorageError) {
        // NUL cannot be stored in PostgreSQL text and truncates C strings elsewhere: reject it everywhere.
        if value.utf8.contains(0) {
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
