import CMariaDB
import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL
import Logging

/// `mysql_library_init`, run exactly once per process. A Swift global is initialised lazily and
/// thread-safely on first use; ``MariaDBIdentityStorage/open(_:)`` touches it before the pool starts
/// its threads, so the library is initialised before any connection thread exists.
let mariaDBLibraryInitialized: Bool = cmariadb_library_init() == 0

/// What a connection needs to connect and set up its session; built from the public configuration.
package struct MariaDBConnectionSettings: Sendable, CustomReflectable {
    var host: String
    var port: Int
    var user: String?
    var password: String?
    var database: String
    var unixSocket: String?
    var tls: MariaDBIdentityStorage.TLSOptions
    var connectTimeout: UInt32
    var readTimeout: UInt32
    var writeTimeout: UInt32
    var lockWaitTimeout: Int
    /// Where a connection logs that it reopened after the server ended it while idle.
    var logger: Logger

    /// Reflection shows where the connection goes, never the password.
    package var customMirror: Mirror { Mirror(self, children: ["endpoint": endpoint]) }

    /// Where the connection goes, for messages: never the password.
    var endpoint: String {
        let place = unixSocket.map { "socket \($0)" } ?? (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        return "\(place)/\(database)" + (user.map { " as \($0)" } ?? "")
    }
}

/// One libmariadb connection with its prepared-statement cache. Not thread-safe by design: the pool
/// creates it on one of its threads and only ever uses it there (the pool's invariant), so it needs no lock.
package final class MariaDBConnection: BlockingConnection {
    /// The session every connection runs in: utf8mb4 with a binary, no-pad collation (keys compare
    /// byte for byte, trailing spaces count), UTC (nothing the adapter stores depends on it: instants are
    /// integers), strict SQL mode (an over-long or invalid value is an error, never silently cut).
    static let sqlMode = "STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION"
    /// Statements cached per connection at most; the adapter's own SQL has far fewer shapes.
    private static let statementCacheLimit = 256

    let settings: MariaDBConnectionSettings
    private var mysql: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: MariaDBStatement] = [:]
    /// Set when an error left the connection unusable (lost, killed, out of sync).
    private(set) var broken = false
    private let killer: MariaDBQueryKiller

    package init(settings: MariaDBConnectionSettings) throws(IdentityStorageError) {
        self.settings = settings
        self.killer = MariaDBQueryKiller(settings: settings)
        try connect()
    }

    /// `KILL QUERY` for this connection's running statement.
    package var interrupter: (any StatementInterrupter)? { killer }

    deinit { close() }

    package func isHealthy() -> Bool {
        guard !broken, let mysql else { return false }
        return mysql_ping(mysql) == 0
    }

    package func shouldDiscard(after error: IdentityStorageError) -> Bool {
        broken || error.code == .unavailable
    }

    package func close() {
        killer.attach(nil)
        statements.removeAll()
        if let mysql { mysql_close(mysql) }
        mysql = nil
    }

    /// Reconnects in place when the server closed this idle connection (restart, `KILL`, idle timeout):
    /// a non-blocking look at the socket, no round trip. Called at the start of every pool job, so a call
    /// made after a restart goes to the new server instead of failing on a dead socket.
    func ensureOpen() throws(IdentityStorageError) {
        if mysql == nil || broken || peerClosed() {
            if mysql != nil { settings.logger.notice("connection lost while idle; reopening it", metadata: ["backend": "mariadb"]) }
            close()
            broken = false
            try connect()
        }
    }

    // MARK: Statements

    /// Runs a statement and maps each result row; the statement is prepared once per connection.
    package func query<T>(_ sql: String, _ bindings: [SQLValue] = [], _ map: (MariaDBRow) throws -> T) throws -> [T] {
        let statement = try execute(sql, bindings)
        guard statement.columnCount > 0 else { return [] }
        var rows: [T] = []
        do {
            while try statement.fetch() {
                rows.append(try map(MariaDBRow(statement: statement)))
            }
            try statement.finishFurtherResults()
        } catch {
            statement.discardResults()
            if let error = error as? IdentityStorageError { note(error) }
            throw error
        }
        return rows
    }

    /// Runs a statement without a result set; returns the number of rows it changed (not merely matched:
    /// the connection does not set `CLIENT_FOUND_ROWS`).
    @discardableResult
    package func run(_ sql: String, _ bindings: [SQLValue] = []) throws(IdentityStorageError) -> Int {
        let statement = try execute(sql, bindings)
        if statement.columnCount > 0 { statement.discardResults() }
        return Int(truncatingIfNeeded: mysql_stmt_affected_rows(statement.handle))
    }

    /// Runs an INSERT and returns the AUTO_INCREMENT id it assigned.
    func insert(_ sql: String, _ bindings: [SQLValue]) throws(IdentityStorageError) -> Int64 {
        let statement = try execute(sql, bindings)
        return Int64(truncatingIfNeeded: mysql_stmt_insert_id(statement.handle))
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("START TRANSACTION")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if !broken { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` again when the server chose it as a deadlock victim (InnoDB then rolled the whole
    /// transaction back, so re-running it is safe); a few attempts with a short random pause.
    func retryingDeadlocks<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as IdentityStorageError where error.mariaDBErrno == MariaDBErrors.deadlock && attempt < 10 {
                attempt += 1
                usleep(UInt32.random(in: 200...(2_000 * UInt32(attempt))))
            }
        }
    }

    /// Runs SQL through the text protocol, discarding any result (transaction control, DDL, session settings).
    package func execute(_ sql: String) throws(IdentityStorageError) {
        let mysql = try handle()
        let code = sql.withCString { text in mysql_real_query(mysql, text, UInt(strlen(text))) }
        if code != 0 { throw fail(MariaDBErrors.connectionError(mysql, "running '\(MariaDBErrors.excerpt(sql))'")) }
        repeat {
            if let result = mysql_store_result(mysql) {
                mysql_free_result(result)
            } else if mysql_field_count(mysql) > 0 {
                throw fail(MariaDBErrors.connectionError(mysql, "reading the result of '\(MariaDBErrors.excerpt(sql))'"))
            }
        } while mysql_next_result(mysql) == 0
    }

    /// Runs SQL through the text protocol and returns every row as text (diagnostics and tests: EXPLAIN).
    package func textQuery(_ sql: String) throws(IdentityStorageError) -> [[String?]] {
        let mysql = try handle()
        let code = sql.withCString { text in mysql_real_query(mysql, text, UInt(strlen(text))) }
        if code != 0 { throw fail(MariaDBErrors.connectionError(mysql, "running '\(MariaDBErrors.excerpt(sql))'")) }
        guard let result = mysql_store_result(mysql) else {
            if mysql_field_count(mysql) > 0 { throw fail(MariaDBErrors.connectionError(mysql, "reading '\(MariaDBErrors.excerpt(sql))'")) }
            return []
        }
        defer { mysql_free_result(result) }
        let columns = Int(mysql_num_fields(result))
        var rows: [[String?]] = []
        while let row = mysql_fetch_row(result) {
            let lengths = mysql_fetch_lengths(result)!
            rows.append((0..<columns).map { index in
                row[index].map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(lengths[index])), as: UTF8.self) }
            })
        }
        return rows
    }

    /// `text` as an SQL string literal (test hooks only; the stores bind every value).
    package func literal(_ text: String) throws(IdentityStorageError) -> String {
        let mysql = try handle()
        let count = text.utf8.count
        var escaped = [CChar](repeating: 0, count: count * 2 + 1)
        let length = text.withCString { source in mysql_real_escape_string(mysql, &escaped, source, UInt(count)) }
        return "'" + String(decoding: escaped.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) + "'"
    }

    /// The server's id of this session (for `KILL` in tests).
    var threadId: UInt { mysql.map { mysql_thread_id($0) } ?? 0 }

    // MARK: Internals

    private func handle() throws(IdentityStorageError) -> UnsafeMutablePointer<MYSQL> {
        guard let mysql, !broken else { throw MariaDBErrors.closed }
        return mysql
    }

    /// Prepares (once) and executes `sql` with `bindings`; re-prepares once when DDL invalidated it.
    private func execute(_ sql: String, _ bindings: [SQLValue]) throws(IdentityStorageError) -> MariaDBStatement {
        var attempt = 0
        while true {
            let statement = try prepared(sql)
            do {
                try statement.bind(bindings)
            } catch {
                throw fail(error)
            }
            let code = mysql_stmt_execute(statement.handle)
            statement.releaseLargeParameterBuffers()
            if code == 0 {
                do {
                    try statement.refreshResultShape()
                } catch {
                    statements[sql] = nil
                    throw fail(error)
                }
                return statement
            }
            let number = mysql_stmt_errno(statement.handle)
            let error = MariaDBErrors.statementError(statement.handle, "running '\(MariaDBErrors.excerpt(sql))'")
            if number == MariaDBErrors.needReprepare, attempt == 0 {
                statements[sql] = nil
                attempt += 1
                continue
            }
            throw fail(error)
        }
    }

    private func prepared(_ sql: String) throws(IdentityStorageError) -> MariaDBStatement {
        if let cached = statements[sql] { return cached }
        let mysql = try handle()
        let statement: MariaDBStatement
        do {
            statement = try MariaDBStatement(connection: mysql, sql: sql)
        } catch {
            throw fail(error)
        }
        if statements.count >= Self.statementCacheLimit { statements.removeAll() }
        statements[sql] = statement
        return statement
    }

    /// Marks the connection broken when `error` says it is, and returns the error.
    private func fail(_ error: IdentityStorageError) -> IdentityStorageError {
        note(error)
        return error
    }

    private func note(_ error: IdentityStorageError) {
        if let number = error.mariaDBErrno, MariaDBErrors.breaksConnection(number) { broken = true }
    }

    private func connect() throws(IdentityStorageError) {
        guard mariaDBLibraryInitialized else {
            throw IdentityStorageError(.unavailable, "mysql_library_init failed: libmariadb could not be initialised")
        }
        _ = mysql_thread_init()
        guard let mysql = mysql_init(nil) else {
            throw IdentityStorageError(.unavailable, "mysql_init failed: out of memory")
        }
        do throws(IdentityStorageError) {
            try configure(mysql)
            let connected = mysql_real_connect(mysql, settings.unixSocket == nil ? settings.host : nil, settings.user, settings.password,
                                               settings.database, UInt32(settings.port), settings.unixSocket, 0)
            if connected == nil {
                throw MariaDBErrors.connectionError(mysql, "connecting to MariaDB at \(settings.endpoint)")
            }
            // Connector/C 3.3 falls back to plain text when the server offers no TLS unless the certificate
            // is verified: `required` is enforced here, as MySQL's client does.
            if settings.tls.mode != .disabled, settings.tls.mode != .preferred, mysql_get_ssl_cipher(mysql) == nil {
                throw IdentityStorageError(.unavailable, "connecting to MariaDB at \(settings.endpoint): ssl-mode=\(settings.tls.mode.rawValue) but the server did not negotiate TLS",
                                           backendDetail: .init(backend: "mariadb", code: "2026", message: "TLS required but not negotiated"))
            }
        } catch {
            mysql_close(mysql)
            throw error
        }
        self.mysql = mysql
        killer.attach(mysql_thread_id(mysql))
        do {
            try execute("""
                SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin, time_zone = '+00:00', sql_mode = '\(Self.sqlMode)', \
                innodb_lock_wait_timeout = \(settings.lockWaitTimeout)
                """)
            // READ COMMITTED: InnoDB then takes no gap locks, which under REPEATABLE READ made concurrent client
            // saves (delete a client's origins, insert the new ones) deadlock each other until retries ran out.
            // Atomicity never rests on gap locks here: every primitive locks the rows it decides on
            // (FOR UPDATE, a unique insert, or the lock row). Snapshot reads ask for REPEATABLE READ themselves.
            try execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        } catch {
            close()
            throw error
        }
    }

    private func configure(_ mysql: UnsafeMutablePointer<MYSQL>) throws(IdentityStorageError) {
        func check(_ status: Int32, _ name: String) throws(IdentityStorageError) {
            if status != 0 { throw IdentityStorageError(.invalidArgument, "libmariadb rejected the connection option \(name)") }
        }
        func number(_ option: mysql_option, _ value: UInt32, _ name: String) throws(IdentityStorageError) {
            var value = value
            try check(withUnsafePointer(to: &value) { mysql_options(mysql, option, $0) }, name)
        }
        func flag(_ option: mysql_option, _ value: Bool, _ name: String) throws(IdentityStorageError) {
            var value: my_bool = value ? 1 : 0
            try check(withUnsafePointer(to: &value) { mysql_options(mysql, option, $0) }, name)
        }
        func text(_ option: mysql_option, _ value: String?, _ name: String) throws(IdentityStorageError) {
            guard let value else { return }
            try check(value.withCString { mysql_options(mysql, option, $0) }, name)
        }
        try number(MYSQL_OPT_CONNECT_TIMEOUT, settings.connectTimeout, "connect timeout")
        try number(MYSQL_OPT_READ_TIMEOUT, settings.readTimeout, "read timeout")
        try number(MYSQL_OPT_WRITE_TIMEOUT, settings.writeTimeout, "write timeout")
        try text(MYSQL_SET_CHARSET_NAME, "utf8mb4", "charset")
        // TCP unless a socket is named: libmariadb would otherwise take "localhost" as the default socket.
        try number(MYSQL_OPT_PROTOCOL, settings.unixSocket == nil ? MYSQL_PROTOCOL_TCP.rawValue : MYSQL_PROTOCOL_SOCKET.rawValue, "protocol")
        let tls = settings.tls
        try text(MYSQL_OPT_SSL_CA, tls.ca, "ssl-ca")
        try text(MYSQL_OPT_SSL_CAPATH, tls.caPath, "ssl-capath")
        try text(MYSQL_OPT_SSL_CERT, tls.certificate, "ssl-cert")
        try text(MYSQL_OPT_SSL_KEY, tls.key, "ssl-key")
        try text(MYSQL_OPT_SSL_CIPHER, tls.cipher, "ssl-cipher")
        try text(MYSQL_OPT_SSL_CRL, tls.crl, "ssl-crl")
        try text(MYSQL_OPT_SSL_CRLPATH, tls.crlPath, "ssl-crlpath")
        try text(MARIADB_OPT_TLS_VERSION, tls.versions, "tls-version")
        switch tls.mode {
        case .disabled, .preferred:
            break
        case .required:
            try flag(MYSQL_OPT_SSL_ENFORCE, true, "ssl-mode")
        case .verifyCA, .verifyIdentity:
            try flag(MYSQL_OPT_SSL_ENFORCE, true, "ssl-mode")
            try flag(MYSQL_OPT_SSL_VERIFY_SERVER_CERT, true, "ssl-mode")
        }
    }

    /// True when the server has closed this (idle) connection: the socket reports end of file or an error.
    /// Pending bytes (a TLS session ticket, an error packet) do not count: the next call deals with them.
    private func peerClosed() -> Bool {
        guard let mysql else { return true }
        let socket = mysql_get_socket(mysql)
        guard socket >= 0 else { return true }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return true }
        var byte: UInt8 = 0
        let received = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if received == 0 { return true }
        if received < 0 { return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR }
        return false
    }
}

extension MariaDBConnection: SQLConnection {
    /// Runs an UPDATE of one row and answers whether the row exists. The changed-row count is 0 both for
    /// a missing row and for one already holding these values; only then does a second look tell them apart
    /// (if the row vanished in between, the update is ordered after the delete: still a truthful answer).
    package func updateExisting(_ update: String, _ bindings: [SQLValue], exists: String, _ keyBindings: [SQLValue]) throws -> Bool {
        if try run(update, bindings) > 0 { return true }
        return try !query(exists, keyBindings) { _ in true }.isEmpty
    }

    /// Runs an INSERT and returns the AUTO_INCREMENT id it assigned (``insert(_:_:)``).
    package func insertReturningID(_ sql: String, _ bindings: [SQLValue]) throws -> Int64 {
        try insert(sql, bindings)
    }

    /// Inside a transaction: takes the row lock of `name` in `identity_storage_locks` until commit.
    func lock(_ name: String) throws {
        let rows = try query("SELECT name FROM identity_storage_locks WHERE name = ? FOR UPDATE", [.text(name)]) { _ in true }
        if rows.isEmpty {
            throw IdentityStorageError(.schemaMismatch, "the lock row '\(name)' is missing from identity_storage_locks")
        }
    }
}

/// The current row of a statement; valid only inside the row-mapping closure.
package struct MariaDBRow: SQLRow {
    let statement: MariaDBStatement

    package func isNull(_ column: Int) -> Bool { statement.resultNulls[column] != 0 }

    package func int64(_ column: Int) throws -> Int64 {
        if statement.integerColumns[column] { return statement.integer(column) }
        let text = String(decoding: statement.bytes(column), as: UTF8.self)
        guard let value = Int64(text) else {
            throw IdentityStorageError.corruptedData("stored \(statement.columnNames[column]) '\(text.prefix(40))' is not an integer")
        }
        return value
    }

    /// Text that must be valid UTF-8 (MariaDB's utf8mb4 accepts encoded surrogates, Swift does not);
    /// a damaged value gives `IdentityStorageError.Code.corruptedData`.
    package func text(_ column: Int) throws -> String {
        let bytes = statement.bytes(column)
        let text = bytes.withMemoryRebound(to: UInt8.self) { String(validating: $0, as: UTF8.self) }
        guard let text else {
            throw IdentityStorageError.corruptedData("stored \(statement.columnNames[column]) is not valid UTF-8")
        }
        return text
    }

    package func blob(_ column: Int) -> [UInt8] {
        Array(statement.bytes(column))
    }
}

extension IdentityStorageError {
    /// The MariaDB error number in the backend detail, if this error came from libmariadb or the server.
    var mariaDBErrno: UInt32? {
        guard backendDetail?.backend == "mariadb", let code = backendDetail?.code else { return nil }
        return UInt32(code.prefix(while: \.isNumber))
    }
}
