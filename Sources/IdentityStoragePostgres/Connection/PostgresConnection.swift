import CLibPQ
import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

/// One libpq connection (`PGconn`) with its prepared statements. Not thread-safe by design: the
/// ``BlockingConnectionPool`` creates it on one of its threads and only ever uses it there.
///
/// How a statement runs: `PQsendQueryPrepared` (prepared once per connection with `PQsendPrepare`,
/// cached by SQL text), then the answer is awaited with `poll` on the socket and a deadline
/// (``PostgresConnectionSettings/answerTimeout``), so a server that stops answering gives `timeout`
/// instead of a hung thread. Parameters are text (integers, strings) or binary (`bytea`: the bytes
/// themselves); results are binary, so text arrives as raw bytes (validated as UTF-8 here) and
/// `bytea` without hex decoding.
///
/// Before a statement on an idle connection, a zero-timeout `poll` looks for anything the server
/// sent meanwhile: a connection the server terminated (`pg_terminate_backend`, a restart) has its
/// FATAL message and EOF waiting there, and is re-opened before the statement is sent, so the caller
/// never sees a connection that died while idle.
package final class PostgresConnection: BlockingConnection {
    private(set) var handle: OpaquePointer?
    /// The payloads of the notifications received and not yet taken (only a listening connection gets any).
    var notifications: [String] = []
    private var statements: [String: String] = [:]
    private var statementCount = 0
    /// Set when the connection can no longer be trusted (lost, or abandoned mid-answer): the pool replaces it.
    var broken = false
    let settings: PostgresConnectionSettings
    private let canceller = PostgresCanceller()

    package init(settings: PostgresConnectionSettings) throws(IdentityStorageError) {
        self.settings = settings
        try open()
    }

    deinit { close() }

    package func isHealthy() -> Bool {
        guard handle != nil, !broken else { return false }
        do {
            try executeScript("")
            return true
        } catch {
            return false
        }
    }

    package func shouldDiscard(after error: IdentityStorageError) -> Bool {
        guard let handle, !broken else { return true }
        return PQstatus(handle) != CONNECTION_OK || PQtransactionStatus(handle) != PQTRANS_IDLE
    }

    /// `PQcancel` for this connection's running statement.
    package var interrupter: (any StatementInterrupter)? { canceller }

    package func close() {
        canceller.attach(nil)
        if let handle { PQfinish(handle) }
        handle = nil
        statements.removeAll()
    }

    /// The server process serving this connection.
    package var backendPID: Int32 { handle.map(PQbackendPID) ?? 0 }

    // MARK: Connecting

    private func open() throws(IdentityStorageError) {
        close()
        let connection = Self.connect(settings.keywords)
        guard let connection else {
            throw IdentityStorageError(.unavailable, "libpq could not allocate a connection to \(settings)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(connection)
            PQfinish(connection)
            let detail = IdentityStorageError.BackendDetail(backend: "postgres", code: nil, message: message)
            if PostgresAccount.refusesAccount(message) {
                throw IdentityStorageError(.permissionDenied, "could not connect to PostgreSQL at \(settings): \(PostgresAccount(settings).refusedCredentials)",
                                           backendDetail: detail)
            }
            throw IdentityStorageError(.unavailable, "could not connect to PostgreSQL at \(settings)", backendDetail: detail)
        }
        clibpq_silence_notices(connection)
        handle = connection
        canceller.attach(connection)
        broken = false
        statementCount = 0
        do {
            try executeScript(settings.sessionSetup)
        } catch {
            close()
            throw error
        }
    }

    /// `PQconnectdbParams` with the keywords as C strings that live for the call (expand_dbname = 0:
    /// a database name is only a name, never a connection string).
    private static func connect(_ keywords: [(String, String)]) -> OpaquePointer? {
        let names = keywords.map { strdup($0.0) } + [nil]
        let values = keywords.map { strdup($0.1) } + [nil]
        defer {
            for pointer in names { free(pointer) }
            for pointer in values { free(pointer) }
        }
        return names.map { UnsafePointer($0) }.withUnsafeBufferPointer { namePointers in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valuePointers in
                PQconnectdbParams(namePointers.baseAddress, valuePointers.baseAddress, 0)
            }
        }
    }

    /// The connection ready for a statement: re-opened if the server dropped it while it sat idle.
    func ready() throws(IdentityStorageError) -> OpaquePointer {
        guard let connection = handle, !broken else {
            throw IdentityStorageError(.unavailable, "the PostgreSQL connection was lost")
        }
        guard PQtransactionStatus(connection) == PQTRANS_IDLE else { return connection }
        // A terminated session has its FATAL message, then EOF, waiting: one PQconsumeInput reads the
        // message, the next one the EOF (which marks the connection bad). Read until nothing is left.
        var reads = 0
        while reads < 8, PQstatus(connection) == CONNECTION_OK, clibpq_wait_socket(connection, Int16(POLLIN), 0) != 0 {
            _ = PQconsumeInput(connection)
            collectNotifications(connection)
            reads += 1
        }
        if PQstatus(connection) != CONNECTION_OK {
            settings.logger.notice("connection lost while idle; reopening it", metadata: ["backend": "postgresql"])
            do {
                try open()
            } catch {
                broken = true
                throw error
            }
            return handle!
        }
        return connection
    }

    // MARK: Statements

    /// Runs a statement and maps each result row; prepared once per connection.
    package func query<T>(_ sql: String, _ bindings: [SQLValue] = [], _ map: (PostgresRow) throws -> T) throws -> [T] {
        try query(sql, bindings, cached: true, map)
    }

    /// Runs a statement and maps each result row; prepared once per connection unless `cached` is false.
    package func query<T>(_ sql: String, _ bindings: [SQLValue] = [], cached: Bool, _ map: (PostgresRow) throws -> T) throws -> [T] {
        let result = try execute(sql, bindings, cached: cached)
        defer { PQclear(result) }
        return try PostgresResult(result: result).rows(map)
    }

    /// Runs a statement (prepared once per connection); returns the number of rows it inserted, updated or deleted.
    @discardableResult
    package func run(_ sql: String, _ bindings: [SQLValue] = []) throws(IdentityStorageError) -> Int {
        try run(sql, bindings, cached: true)
    }

    /// Runs a statement, prepared once per connection unless `cached` is false; returns the number of rows it
    /// inserted, updated or deleted.
    @discardableResult
    package func run(_ sql: String, _ bindings: [SQLValue] = [], cached: Bool) throws(IdentityStorageError) -> Int {
        let result = try execute(sql, bindings, cached: cached)
        defer { PQclear(result) }
        return PostgresResult(result: result).changes
    }

    /// Runs one or more statements without parameters over the simple query protocol (schema, session setup).
    package func executeScript(_ sql: String) throws(IdentityStorageError) {
        let connection = try ready()
        settings.roundTrips.increment()
        guard PQsendQuery(connection, sql) == 1 else { throw lost(connection, sql) }
        PQclear(try answer(connection, sql))
    }

    /// Runs `body` in a transaction (`begin` is the statement that opens it); rolls back when it throws.
    package func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try run(begin)
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            if let handle, !broken, PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) != PQTRANS_IDLE {
                _ = try? run("ROLLBACK")
            }
            throw error
        }
    }

    func execute(_ sql: String, _ bindings: [SQLValue], cached: Bool) throws(IdentityStorageError) -> OpaquePointer {
        let connection = try ready()
        let sent: Int32
        settings.roundTrips.increment()
        if cached {
            let name = try prepared(sql, connection)
            sent = try Self.withParameters(bindings, sql) { count, values, lengths, formats in
                PQsendQueryPrepared(connection, name, count, values, lengths, formats, 1)
            }
        } else {
            sent = try Self.withParameters(bindings, sql) { count, values, lengths, formats in
                PQsendQueryParams(connection, sql, count, nil, values, lengths, formats, 1)
            }
        }
        guard sent == 1 else { throw lost(connection, sql) }
        return try answer(connection, sql)
    }

    func prepared(_ sql: String, _ connection: OpaquePointer) throws(IdentityStorageError) -> String {
        if let name = statements[sql] { return name }
        statementCount += 1
        let name = "s\(statementCount)"
        settings.roundTrips.increment()
        guard PQsendPrepare(connection, name, sql, 0, nil) == 1 else { throw lost(connection, sql) }
        PQclear(try answer(connection, sql))
        statements[sql] = name
        return name
    }

    /// Waits for the whole answer to the statement just sent and returns its last result, or throws
    /// the first error. Every result is read, so the connection is idle again afterwards (in pipeline mode: up to
    /// the statement's end, before its sync).
    func answer(_ connection: OpaquePointer, _ sql: String) throws(IdentityStorageError) -> OpaquePointer {
        let deadline = settings.answerTimeout.map { ContinuousClock.now + $0 }
        var last: OpaquePointer?
        var failure: OpaquePointer?
        while true {
            let next: OpaquePointer?
            do {
                next = try nextResult(connection, sql, deadline: deadline)
            } catch {
                for result in [last, failure] { if let result { PQclear(result) } }
                throw error
            }
            guard let result = next else { break }
            switch PQresultStatus(result) {
            case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
                if failure == nil { failure = result } else { PQclear(result) }
            case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
                PQclear(result)
                abandon(connection)
                throw IdentityStorageError(.unsupported, "'\(Self.context(sql))' started a COPY, which the adapter does not run")
            default:
                if let last { PQclear(last) }
                last = result
            }
            if PQstatus(connection) != CONNECTION_OK { break }
        }
        if PQstatus(connection) != CONNECTION_OK { broken = true }
        if let failure {
            if let last { PQclear(last) }
            defer { PQclear(failure) }
            throw PostgresErrors.error(failure, connectionLost: broken, context: "running '\(Self.context(sql))'", account: PostgresAccount(settings))
        }
        guard let last else { throw lost(connection, sql) }
        return last
    }

    /// The next result of the statement in flight (`PQgetResult`), once it has arrived; nil at the statement's end.
    /// Waits with `poll` until `deadline`; past it, the connection is abandoned and the call throws `timeout`.
    func nextResult(_ connection: OpaquePointer, _ sql: String, deadline: ContinuousClock.Instant?) throws(IdentityStorageError) -> OpaquePointer? {
        while PQisBusy(connection) == 1 {
            var wait: Int32 = -1
            if let deadline {
                wait = (deadline - ContinuousClock.now).pollMilliseconds
            }
            let ready = clibpq_wait_socket(connection, Int16(POLLIN), wait)
            if ready == 0 {
                abandon(connection)
                throw IdentityStorageError(.timeout, "PostgreSQL did not answer within \(settings.answerTimeout!) running '\(Self.context(sql))'; the connection was discarded")
            }
            if ready < 0 || PQconsumeInput(connection) == 0 {
                // The connection is gone; libpq turns that into an error result.
                if PQstatus(connection) != CONNECTION_OK { break }
            }
        }
        return PQgetResult(connection)
    }

    /// Gives up on the statement in flight and marks the connection for replacement. No `PQcancel`:
    /// it connects without a timeout (libpq 15), and the server's own statement_timeout, which fired
    /// five seconds before this deadline, has already stopped the statement.
    func abandon(_ connection: OpaquePointer) {
        broken = true
    }

    func lost(_ connection: OpaquePointer, _ sql: String) -> IdentityStorageError {
        broken = PQstatus(connection) != CONNECTION_OK || broken
        return IdentityStorageError(.unavailable, "the PostgreSQL connection failed running '\(Self.context(sql))'",
                                    backendDetail: .init(backend: "postgres", code: nil, message: Self.message(connection)))
    }

    static func message(_ connection: OpaquePointer) -> String {
        PQerrorMessage(connection).map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown libpq error"
    }

    static func context(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return flat.count > 70 ? flat.prefix(70) + "…" : flat
    }

    /// Lays the parameters out in one buffer: integers and text as NUL-terminated text (format 0),
    /// binary values as their bytes (format 1), NULL as a null pointer.
    static func withParameters(
        _ bindings: [SQLValue], _ sql: String,
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> Int32
    ) throws(IdentityStorageError) -> Int32 {
        if bindings.isEmpty { return body(0, nil, nil, nil) }
        var bytes: [UInt8] = []
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        offsets.reserveCapacity(bindings.count)
        for value in bindings {
            switch value {
            case .null:
                offsets.append(nil)
                lengths.append(0)
                formats.append(0)
            case .integer(let number):
                offsets.append(bytes.count)
                let text = String(number).utf8
                bytes.append(contentsOf: text)
                bytes.append(0)
                lengths.append(Int32(text.count))
                formats.append(0)
            case .text(let text):
                // Text parameters travel NUL-terminated: a NUL inside would cut the value short.
                if text.containsNulByte {
                    throw .invalidArgument("a text value contains a NUL byte, which PostgreSQL text cannot hold")
                }
                offsets.append(bytes.count)
                bytes.append(contentsOf: text.utf8)
                bytes.append(0)
                lengths.append(Int32(clamping: text.utf8.count))
                formats.append(0)
            case .blob(let blob):
                offsets.append(bytes.count)
                bytes.append(contentsOf: blob)
                lengths.append(Int32(clamping: blob.count))
                formats.append(1)
            }
        }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let pointers = offsets.map { offset in offset.map { (base + $0).assumingMemoryBound(to: CChar.self) } }
            return pointers.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in
                        body(Int32(bindings.count), values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}

extension PostgresConnection: SQLConnection {}
