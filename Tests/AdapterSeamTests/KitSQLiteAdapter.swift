import CSQLite3
import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

// An SQL adapter as somebody outside this package writes one with the SQL kit (`_IdentityStorageSQLKit`), public API
// only: a connection over the engine's C library, a dialect, and an `SQLDatabase` on a blocking pool; every store comes
// from `IdentityStores.sql`. The engine is SQLite through libsqlite3 directly, not the built-in adapter's types, so
// the test proves the kit alone is enough (the article WritingAnSQLAdapter.md shows the same shape).

/// `SQLITE_TRANSIENT`, a macro Swift cannot import: SQLite copies the bound bytes before the call returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
/// `SQLITE_CONSTRAINT_PRIMARYKEY` and `SQLITE_CONSTRAINT_UNIQUE`, macros Swift cannot import either.
private let duplicateKeyCodes: Set<Int32> = [SQLITE_CONSTRAINT | (6 << 8), SQLITE_CONSTRAINT | (8 << 8)]

/// One libsqlite3 connection, used only on its pool thread.
final class KitSQLiteConnection: BlockingConnection, SQLConnection {
    private let handle: OpaquePointer

    init(path: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw IdentityStorageError(.unavailable, "cannot open the SQLite database")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        guard sqlite3_exec(db, "PRAGMA foreign_keys = ON", nil, nil, nil) == SQLITE_OK else { throw error(SQLITE_ERROR, "configuring") }
    }

    func isHealthy() -> Bool { true }
    func close() { sqlite3_close_v2(handle) }

    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> Int {
        _ = try query(sql, bindings) { _ in () }
        return Int(sqlite3_changes(handle))
    }

    func query<T>(_ sql: String, _ bindings: [SQLValue], _ map: (KitSQLiteRow) throws -> T) throws -> [T] {
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &prepared, nil) == SQLITE_OK, let statement = prepared else {
            throw error(sqlite3_errcode(handle), "preparing a statement")
        }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            let code = switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, transient)
            case .blob(let bytes) where bytes.isEmpty: sqlite3_bind_zeroblob(statement, index, 0)  // a value, not NULL
            case .blob(let bytes): bytes.withUnsafeBytes { sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient) }
            }
            guard code == SQLITE_OK else { throw error(code, "binding parameter \(index)") }
        }
        var rows: [T] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw error(code, "running a statement") }
            rows.append(try map(KitSQLiteRow(statement: statement)))
        }
    }

    /// The engine's codes as the stores' typed errors; the message never shows a bound value.
    private func error(_ code: Int32, _ context: String) -> IdentityStorageError {
        let message = String(cString: sqlite3_errmsg(handle))
        return switch code {
        case _ where duplicateKeyCodes.contains(code): IdentityStorageError(.duplicate, "\(context): \(message)")
        case _ where code & 0xFF == SQLITE_CONSTRAINT: IdentityStorageError(.invalidArgument, "\(context): \(message)")
        case _ where code & 0xFF == SQLITE_BUSY: IdentityStorageError(.timeout, "\(context): \(message)")
        default: IdentityStorageError(.unavailable, "\(context): \(message)")
        }
    }
}

/// The current row of a statement.
struct KitSQLiteRow: SQLRow {
    let statement: OpaquePointer

    func isNull(_ column: Int) -> Bool { sqlite3_column_type(statement, Int32(column)) == SQLITE_NULL }
    func int64(_ column: Int) throws -> Int64 { sqlite3_column_int64(statement, Int32(column)) }

    func text(_ column: Int) throws -> String {
        guard let text = String(validating: try blob(column), as: UTF8.self) else {
            throw IdentityStorageError(.corruptedData, "stored text column \(column) is not valid UTF-8")
        }
        return text
    }

    func blob(_ column: Int) throws -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, Int32(column)))
        guard count > 0, let pointer = sqlite3_column_blob(statement, Int32(column)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

extension SQLDialect {
    /// SQLite's: `?` placeholders and `json_each` lists; every other setting is the default.
    static let kitSQLite = SQLDialect(
        placeholder: { _ in "?" },
        inJSONArray: { column, placeholder in "\(column) IN (SELECT value FROM json_each(\(placeholder)))" },
        insertJSONList: { table, valueColumn, ownerColumn, _ in
            "INSERT INTO \(table)(\(valueColumn), \(ownerColumn)) SELECT DISTINCT value, ? FROM json_each(?)"
        },
        deleteByJSONKeys: { table, key, condition, _ in
            "DELETE FROM \(table) WHERE \(key) IN (SELECT value FROM json_each(?))" + (condition.map { " AND \($0)" } ?? "")
        })
}

/// The database: one connection on one pool thread (SQLite has one writer), so every transaction is serial.
final class KitSQLiteDatabase: SQLDatabase {
    let pool: BlockingConnectionPool<KitSQLiteConnection>
    var dialect: SQLDialect { .kitSQLite }

    init(path: String) {
        pool = BlockingConnectionPool(configuration: .init(size: 1, threadName: "kit-sqlite")) { try KitSQLiteConnection(path: path) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (KitSQLiteConnection) throws -> T) async throws -> T {
        try await pool.withConnection(interruptible: true, body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (KitSQLiteConnection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (KitSQLiteConnection) throws -> T) async throws -> T {
        try await inTransaction("BEGIN IMMEDIATE", body)
    }

    func snapshot<T: Sendable>(_ body: @escaping @Sendable (KitSQLiteConnection) throws -> T) async throws -> T {
        try await inTransaction("BEGIN", body)
    }

    /// The one connection serialises every writer: holding a transaction is holding every lock.
    func locked<T: Sendable>(_ lock: SQLLock, _ body: @escaping @Sendable (KitSQLiteConnection) throws -> T) async throws -> T {
        try await transaction(body)
    }

    private func inTransaction<T: Sendable>(_ begin: String, _ body: @escaping @Sendable (KitSQLiteConnection) throws -> T) async throws -> T {
        try await pool.withConnection { connection in
            try connection.run(begin, [])
            do {
                let result = try body(connection)
                try connection.run("COMMIT", [])
                return result
            } catch {
                _ = try? connection.run("ROLLBACK", [])
                throw error
            }
        }
    }

    func close() async {
        await pool.shutdown()
    }
}
