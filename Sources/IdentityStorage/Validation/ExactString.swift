import Foundation

/// A string that compares and hashes by its UTF-8 bytes.
///
/// Swift's `String ==` uses canonical equivalence (a precomposed "é" equals "e" + combining accent),
/// but keys in every backend compare by bytes (`COLLATE "C"`, `utf8mb4_bin`, SQLite `BINARY`, Redis).
/// Adapters that compare keys in Swift use this type so they agree with the databases.
public struct ExactString: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The wrapped string.
    public let value: String

    /// `value`, compared by its UTF-8 bytes.
    public init(_ value: String) { self.value = value }

    public static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.exactlyEquals(rhs.value)
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
    ///
    /// One `memcmp` of the two strings' UTF-8 storage after comparing their lengths: stores compare payloads of up to
    /// 8 MiB this way too, and a byte-by-byte loop is slow on the caller's thread (seconds in a debug build).
    @inlinable
    public func exactlyEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var lhs = self, rhs = other
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0 }
        }
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
