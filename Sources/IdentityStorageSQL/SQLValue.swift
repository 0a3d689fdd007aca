import Foundation
import IdentityStorage

/// A statement parameter, the same for every SQL adapter: what the stores pass to ``SQLConnection/run(_:_:)`` and
/// ``SQLConnection/query(_:_:_:)``, and what an adapter binds with its client library's calls.
///
/// Instants are bound as integer microseconds since 1970 (``date(_:)``), booleans as 0 or 1 (``bool(_:)``): a schema
/// stores them in 64-bit integer columns, so every engine compares and indexes them alike.
public enum SQLValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A 64-bit integer (also instants and booleans).
    case integer(Int64)
    /// UTF-8 text.
    case text(String)
    /// Bytes (the distributed cache's values).
    case blob([UInt8])

    /// `.text(value)`, or `.null` when `value` is nil.
    public static func optionalText(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    /// An instant as integer microseconds since 1970, as the stores write every instant.
    public static func date(_ value: Date) -> SQLValue { .integer(value.microsecondsSince1970) }
    /// ``date(_:)`` of `value`, or `.null` when it is nil.
    public static func optionalDate(_ value: Date?) -> SQLValue { value.map(date) ?? .null }
    /// A boolean as the integer 1 or 0.
    public static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
    /// An `Int` as ``integer(_:)``.
    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
}

/// A result row as the stores read it: an adapter wraps its client library's current row in a type conforming to
/// this, and ``SQLConnection/query(_:_:_:)`` hands it to the stores' decoders. Columns are numbered from 0 in the
/// order of the `SELECT` list; a row is valid only inside the closure it is passed to.
///
/// The four requirements are all an adapter writes; the typed readers (``date(_:)``, ``bool(_:)``, the optional
/// ones) are built on them.
public protocol SQLRow {
    /// Whether the column is SQL `NULL`.
    func isNull(_ column: Int) -> Bool
    /// An integer column.
    func int64(_ column: Int) throws -> Int64
    /// A text column, which must be valid UTF-8 (otherwise throw `IdentityStorageError` with code `corruptedData`).
    func text(_ column: Int) throws -> String
    /// A binary column.
    func blob(_ column: Int) throws -> [UInt8]
}

extension SQLRow {
    /// An integer column as `Int`.
    public func int(_ column: Int) throws -> Int { Int(try int64(column)) }
    /// An integer column, nil when it is `NULL`.
    public func optionalInt(_ column: Int) throws -> Int? { isNull(column) ? nil : try int(column) }
    /// A boolean column (any integer but 0 is true).
    public func bool(_ column: Int) throws -> Bool { try int64(column) != 0 }
    /// An instant column (microseconds since 1970); a value no store writes is `IdentityStorageError` `corruptedData`.
    public func date(_ column: Int) throws -> Date { try Date(storedMicroseconds: try int64(column), what: "a stored instant") }
    /// An instant column, nil when it is `NULL`.
    public func optionalDate(_ column: Int) throws -> Date? { isNull(column) ? nil : try date(column) }
    /// A text column, nil when it is `NULL`.
    public func optionalText(_ column: Int) throws -> String? { isNull(column) ? nil : try text(column) }
}
