import CSQLite3
import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

/// `SQLITE_TRANSIENT`, a macro Swift cannot import: SQLite copies the bound bytes before the call returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One SQLite connection with its prepared-statement cache. Not thread-safe by design: one thread uses it at a
/// time, a pool thread for its whole life or, for ``SQLiteInlineReaders``, the caller holding its lock.
package final class SQLiteConnection: BlockingConnection {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let interruptHandle = SQLiteInterrupter()
    /// Set on connections that run calls on their callers' threads (``SQLiteInlineReaders``, ``SQLiteSharedWriter``).
    private let inlineBudget: SQLiteInlineBudget?
    private let busyTimeoutMilliseconds: Int32

    package var isClosed: Bool { handle == nil }

    /// Opens `path`. An `inline` connection never waits for a lock and stops statements that run past the bound
    /// given to ``attemptInline(within:_:)``.
    package init(path: String, readOnly: Bool, busyTimeoutMilliseconds: Int32, inline: Bool = false) throws(IdentityStorageError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let error = SQLiteErrors.error(code, db, "opening the SQLite database '\(path)'")
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        interruptHandle.attach(db)
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        _ = csqlite3_enable_defensive(db)
        inlineBudget = inline ? SQLiteInlineBudget() : nil
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }

    /// Runs `body` on the calling thread within `bound`; nil when the attempt was abandoned (a statement ran past
    /// the bound, or would have waited for a lock) and changed nothing, so the call must run elsewhere. A
    /// transaction `body` leaves open when it throws is rolled back.
    package func attemptInline<T>(within bound: Duration, _ body: @Sendable (SQLiteConnection) throws -> T) throws -> T? {
        guard let inlineBudget else { return try body(self) }
        let db = try db()
        inlineBudget.begin(bound, on: db)
        let result: T
        do {
            result = try body(self)
        } catch {
            let abandoned = inlineBudget.end(on: db, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            // The interrupt may have reached the body's ROLLBACK too: end the transaction now, unbounded.
            if sqlite3_get_autocommit(db) == 0 { _ = try? run("ROLLBACK") }
            if abandoned { return nil }
            throw error
        }
        _ = inlineBudget.end(on: db, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        return result
    }

    /// Runs the write `body` on the calling thread as one `BEGIN IMMEDIATE` transaction, within `bound`; nil when
    /// the attempt was abandoned and rolled back (see ``attemptInline(within:_:)``).
    ///
    /// The `COMMIT` runs after the bound is lifted. SQLite looks at the progress handler once more as a statement
    /// returns, so a bounded `COMMIT` could take effect and still report an interrupt: run again, the write would
    /// happen twice. A commit is short (the WAL checkpoint it may make due is left to ``takeCheckpointDue()``).
    package func attemptInlineWrite<T>(within bound: Duration, _ body: @Sendable (SQLiteConnection) throws -> T) throws -> T? {
        let attempt = try attemptInline(within: bound) { connection in
            try connection.run("BEGIN IMMEDIATE")
            return try body(connection)
        }
        guard let result = attempt else { return nil }
        do {
            if let inlineBudget {
                _ = try inlineBudget.deferringCheckpoints { try run("COMMIT") }
            } else {
                try run("COMMIT")
            }
        } catch {
            if let db = handle, sqlite3_get_autocommit(db) == 0 { _ = try? run("ROLLBACK") }
            throw error
        }
        return result
    }

    /// Makes commits on this thread leave a due checkpoint to ``takeCheckpointDue()`` (see
    /// ``SQLiteInlineBudget/takeOverCheckpoints(on:pages:)``); call after `PRAGMA wal_autocheckpoint`.
    package func deferCheckpointsOfInlineCommits(walPages: Int) throws(IdentityStorageError) {
        try inlineBudget?.takeOverCheckpoints(on: db(), pages: Int32(clamping: walPages))
    }

    /// Whether a commit made inline left a checkpoint due; clears the mark.
    package func takeCheckpointDue() -> Bool {
        inlineBudget?.takeCheckpointDue() ?? false
    }

    deinit { close() }

    package func isHealthy() -> Bool { handle != nil }

    /// SQLite connections do not break; replacing one would lose an in-memory database.
    package func shouldDiscard(after error: IdentityStorageError) -> Bool { false }

    /// `sqlite3_interrupt` on this connection.
    package var interrupter: (any StatementInterrupter)? { interruptHandle }

    package func close() {
        interruptHandle.attach(nil)
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    private func db() throws(IdentityStorageError) -> OpaquePointer {
        guard let handle else { throw SQLiteErrors.closed }
        return handle
    }

    /// Runs one or more statements without parameters (schema, pragmas).
    package func execute(_ sql: String) throws(IdentityStorageError) {
        let db = try db()
        let code = sqlite3_exec(db, sql, nil, nil, nil)
        if code != SQLITE_OK { throw SQLiteErrors.error(code, db, "running '\(sql.prefix(60))'") }
    }

    /// Runs a statement and maps each result row; the statement is prepared once per connection.
    package func query<T>(_ sql: String, _ bindings: [SQLValue] = [], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        let statement = try prepare(sql, bindings)
        defer { sqlite3_reset(statement); sqlite3_clear_bindings(statement) }
        var rows: [T] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw SQLiteErrors.error(code, handle, "running '\(sql.prefix(60))'") }
            rows.append(try map(SQLiteRow(statement: statement)))
        }
        return rows
    }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    @discardableResult
    package func run(_ sql: String, _ bindings: [SQLValue] = []) throws(IdentityStorageError) -> Int {
        let statement = try prepare(sql, bindings)
        defer { sqlite3_reset(statement); sqlite3_clear_bindings(statement) }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else { throw SQLiteErrors.error(code, handle, "running '\(sql.prefix(60))'") }
        return Int(sqlite3_changes(handle))
    }

    /// Runs `body` in a transaction; `BEGIN IMMEDIATE` takes the write lock first, so a read inside decides a write safely.
    /// Inside a transaction already (a write on its caller's thread), `body` runs in a savepoint of it.
    package func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        let nested = sqlite3_get_autocommit(try db()) == 0
        try run(nested ? "SAVEPOINT nested" : immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try run(nested ? "RELEASE nested" : "COMMIT")
            return result
        } catch {
            if nested {
                _ = try? run("ROLLBACK TO nested")
                _ = try? run("RELEASE nested")
            } else {
                _ = try? run("ROLLBACK")
            }
            throw error
        }
    }

    private func prepare(_ sql: String, _ bindings: [SQLValue]) throws(IdentityStorageError) -> OpaquePointer {
        let db = try db()
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
            guard code == SQLITE_OK, let prepared else { throw SQLiteErrors.error(code, db, "preparing '\(sql.prefix(60))'") }
            statements[sql] = prepared
            statement = prepared
        }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let number): code = sqlite3_bind_int64(statement, index, number)
            case .text(let text): code = sqlite3_bind_text(statement, index, text, -1, transient)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    // A zero-length blob must not bind as NULL: an empty cache value is a value.
                    buffer.baseAddress == nil
                        ? sqlite3_bind_zeroblob(statement, index, 0)
                        : sqlite3_bind_blob(statement, index, buffer.baseAddress, Int32(buffer.count), transient)
                }
            }
            if code != SQLITE_OK {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
                throw SQLiteErrors.error(code, db, "binding parameter \(index) of '\(sql.prefix(60))'")
            }
        }
        return statement
    }
}

extension SQLiteConnection: SQLConnection {}

/// The current row of a statement; valid only inside the row-mapping closure.
package struct SQLiteRow: SQLRow {
    let statement: OpaquePointer

    package func isNull(_ column: Int) -> Bool { sqlite3_column_type(statement, Int32(column)) == SQLITE_NULL }

    package func int64(_ column: Int) -> Int64 { sqlite3_column_int64(statement, Int32(column)) }

    /// Text that must be valid UTF-8; a damaged row gives `IdentityStorageError.Code.corruptedData`.
    package func text(_ column: Int) throws -> String {
        let index = Int32(column)
        let count = Int(sqlite3_column_bytes(statement, index))
        guard let pointer = sqlite3_column_blob(statement, index) else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: count)
        guard let text = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else {
            let name = sqlite3_column_name(statement, index).map { String(cString: $0) } ?? "column \(column)"
            throw IdentityStorageError.corruptedData("stored \(name) is not valid UTF-8")
        }
        return text
    }

    package func blob(_ column: Int) -> [UInt8] {
        let index = Int32(column)
        let count = Int(sqlite3_column_bytes(statement, index))
        guard count > 0, let pointer = sqlite3_column_blob(statement, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
