import CLibPQ
import IdentityStorage
import IdentityStorageSQL

/// A statement's result (`PGresult`), as the connection's queries and ``PipelinedStatement/consume`` read it; valid
/// only until it is cleared.
package struct PostgresResult {
    let result: OpaquePointer

    /// Each row mapped by `map`.
    func rows<T>(_ map: (PostgresRow) throws -> T) throws -> [T] {
        let count = PQntuples(result)
        var rows: [T] = []
        rows.reserveCapacity(Int(count))
        for index in 0..<count { rows.append(try map(PostgresRow(result: result, row: index))) }
        return rows
    }

    /// The rows the statement inserted, updated or deleted.
    var changes: Int { PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0 }
}

/// One row of a binary-format result; valid only inside the row-mapping closure.
package struct PostgresRow: SQLRow {
    let result: OpaquePointer
    let row: Int32

    // Type OIDs from pg_type.dat.
    static let boolOID: Oid = 16, byteaOID: Oid = 17, int8OID: Oid = 20, int2OID: Oid = 21, int4OID: Oid = 23, oidOID: Oid = 26

    package var columnCount: Int { Int(PQnfields(result)) }

    package func isNull(_ column: Int) -> Bool { PQgetisnull(result, row, Int32(column)) == 1 }

    /// Whether the column holds an integer or boolean (decoded by ``int64(_:)``).
    package func isInteger(_ column: Int) -> Bool {
        [Self.int8OID, Self.int4OID, Self.int2OID, Self.oidOID, Self.boolOID].contains(PQftype(result, Int32(column)))
    }

    private func bytes(_ column: Int) -> UnsafeRawBufferPointer {
        let count = Int(PQgetlength(result, row, Int32(column)))
        guard let pointer = PQgetvalue(result, row, Int32(column)) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }

    private func name(_ column: Int) -> String {
        PQfname(result, Int32(column)).map { String(cString: $0) } ?? "column \(column)"
    }

    /// An integer (or boolean) column, decoded from network byte order.
    package func int64(_ column: Int) throws -> Int64 {
        let raw = bytes(column)
        let type = PQftype(result, Int32(column))
        let expected: Int
        switch type {
        case Self.int8OID: expected = 8
        case Self.int4OID, Self.oidOID: expected = 4
        case Self.int2OID: expected = 2
        case Self.boolOID: expected = 1
        default:
            throw IdentityStorageError.corruptedData("stored \(name(column)) has type \(type), not an integer")
        }
        guard raw.count == expected else {
            throw IdentityStorageError.corruptedData("stored \(name(column)) is \(raw.count) bytes, not \(expected)")
        }
        var value: UInt64 = 0
        for byte in raw { value = value << 8 | UInt64(byte) }
        switch expected {
        case 8: return Int64(bitPattern: value)
        case 4: return type == Self.oidOID ? Int64(value) : Int64(Int32(truncatingIfNeeded: value))
        case 2: return Int64(Int16(truncatingIfNeeded: value))
        default: return Int64(value)
        }
    }

    /// Text that must be valid UTF-8; a damaged row gives `IdentityStorageError.Code.corruptedData`.
    package func text(_ column: Int) throws -> String {
        let raw = bytes(column)
        guard let text = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw IdentityStorageError.corruptedData("stored \(name(column)) is not valid UTF-8")
        }
        return text
    }

    package func blob(_ column: Int) -> [UInt8] {
        Array(bytes(column))
    }
}
