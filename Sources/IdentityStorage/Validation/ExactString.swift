/// A string that compares and hashes by its UTF-8 bytes.
///
/// Swift's `String ==` uses canonical equivalence (a precomposed "é" equals "e" + combining accent),
/// but keys in every backend compare by bytes (`COLLATE "C"`, `utf8mb4_bin`, SQLite `BINARY`, Redis).
/// Adapters that compare keys in Swift use this type so they agree with the databases.
public struct ExactString: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The wrapped string.
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        for byte in value.utf8 { hasher.combine(byte) }
        hasher.combine(0xFF as UInt8) // terminator: "ab"+"c" and "a"+"bc" hash apart in composite keys
    }

    /// Byte order: the order of `COLLATE "C"`, `utf8mb4_bin` and SQLite's `BINARY`.
    public static func < (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
    }

    public var description: String { value }
}

extension String {
    /// Byte-exact equality, the comparison every store uses for keys.
    @inlinable
    public func exactlyEquals(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// Byte-exact optional equality.
    @inlinable
    public static func exactlyEqual(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case let (l?, r?): return l.exactlyEquals(r)
        default: return false
        }
    }
}
