import Foundation
import IdentityStorage

/// A statement parameter, the same for every SQL adapter (SQLite, PostgreSQL, MariaDB).
/// Instants are bound as integer microseconds since 1970; booleans as 0 or 1.
package enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    package static func optionalText(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    package static func date(_ value: Date) -> SQLValue { .integer(value.microsecondsSince1970) }
    package static func optionalDate(_ value: Date?) -> SQLValue { value.map(date) ?? .null }
    package static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
    package static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
}

/// A result row as the shared decoders read it; each adapter adapts its C library's row to this.
package protocol SQLRow {
    /// Whether the column is SQL NULL.
    func isNull(_ column: Int) -> Bool
    /// An integer column.
    func int64(_ column: Int) throws -> Int64
    /// A text column, which must be valid UTF-8 (otherwise ``IdentityStorageError/Code-swift.struct/corruptedData``).
    func text(_ column: Int) throws -> String
    /// A binary column.
    func blob(_ column: Int) throws -> [UInt8]
}

extension SQLRow {
    package func int(_ column: Int) throws -> Int { Int(try int64(column)) }
    package func optionalInt(_ column: Int) throws -> Int? { isNull(column) ? nil : try int(column) }
    package func bool(_ column: Int) throws -> Bool { try int64(column) != 0 }
    /// An instant column (microseconds since 1970); a value no store writes is ``IdentityStorageError/Code-swift.struct/corruptedData``.
    package func date(_ column: Int) throws -> Date { try Date(storedMicroseconds: try int64(column), what: "a stored instant") }
    package func optionalDate(_ column: Int) throws -> Date? { isNull(column) ? nil : try date(column) }
    package func optionalText(_ column: Int) throws -> String? { isNull(column) ? nil : try text(column) }
}
