import IdentityStorage

/// One connection of an SQL adapter as the generic stores use it. Not thread-safe: a connection is only
/// ever used inside a ``SQLDatabase`` closure, on the thread that owns it.
package protocol SQLConnection: AnyObject, SendableMetatype {
    /// The row type handed to the decoders.
    associatedtype Row: SQLRow

    /// Runs a statement that returns no rows (or whose rows are ignored); returns the rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> Int

    /// Runs a statement and maps each result row (the row is valid only inside `map`).
    func query<T>(_ sql: String, _ bindings: [SQLValue], _ map: (Row) throws -> T) throws -> [T]

    /// Runs an `UPDATE` of one row and answers whether the row exists. Default: the affected-row count is
    /// above 0. MariaDB counts changed rows only, so it looks again (`exists`) when the count is 0.
    func updateExisting(_ update: String, _ bindings: [SQLValue], exists: String, _ keyBindings: [SQLValue]) throws -> Bool

    /// Runs an `INSERT` that generates an `id` and returns it. Default: the statement ends with
    /// ``SQLDialect/returningGeneratedID`` and its first row holds the id. MariaDB reads the insert id.
    func insertReturningID(_ sql: String, _ bindings: [SQLValue]) throws -> Int64
}

extension SQLConnection {
    package func updateExisting(_ update: String, _ bindings: [SQLValue], exists: String, _ keyBindings: [SQLValue]) throws -> Bool {
        try run(update, bindings) > 0
    }

    package func insertReturningID(_ sql: String, _ bindings: [SQLValue]) throws -> Int64 {
        guard let id = try query(sql, bindings, { try $0.int64(0) }).first else {
            throw IdentityStorageError(.schemaMismatch, "an INSERT returned no generated id")
        }
        return id
    }
}

/// A named lock that writers of one kind hold for a whole transaction, across every instance sharing
/// the database, so that a conditional write ("only if no newer key", "only if the latest id is N") has
/// exactly one winner.
package enum SQLLock: Sendable {
    /// Stores of signing keys.
    case signingKeys
    /// Appends to the key ring.
    case keyRing
}

/// The connections of one SQL adapter as the generic stores use them. Every closure runs on one of the
/// adapter's blocking connection threads (never Swift's cooperative pool), with one connection for its
/// whole run.
package protocol SQLDatabase: Sendable {
    /// The adapter's connection.
    associatedtype Connection: SQLConnection

    /// How this database writes SQL.
    var dialect: SQLDialect { get }

    /// Runs `body` on a connection that may only read (SQLite: a reader; the servers: any connection). Cancelling
    /// the caller's task stops it midway where the connection's library can (see `PendingCall`).
    @discardableResult
    func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T

    /// Runs `body` on a connection that may write (SQLite: the single writer; the servers: any connection).
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T

    /// Runs `body` in a write transaction: committed when it returns, rolled back when it throws
    /// (SQLite: `BEGIN IMMEDIATE` on the writer).
    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T

    /// Runs `body` in a read-only transaction that sees one snapshot throughout.
    @discardableResult
    func snapshot<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T

    /// Runs `body` in a write transaction holding `lock` until it ends (SQLite: `BEGIN IMMEDIATE`, which
    /// takes the database's write lock; PostgreSQL: an advisory transaction lock; MariaDB: a row lock in
    /// `identity_storage_locks`).
    @discardableResult
    func locked<T: Sendable>(_ lock: SQLLock, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T

    /// Runs one statement that stands alone (it needs no transaction and no other statement around it) and maps
    /// its rows. A server adapter may send it in one round trip with the other standalone statements queued at the
    /// same moment (PostgreSQL's pipeline mode); by default it runs through ``read(_:)`` or, when it `writes`,
    /// ``write(_:)``. Not stopped midway when its caller is cancelled.
    func standaloneQuery<T: Sendable>(_ sql: String, _ bindings: [SQLValue], writes: Bool,
                                      _ map: @escaping @Sendable (Connection.Row) throws -> T) async throws -> [T]

    /// Runs one standalone statement that returns no rows (see ``standaloneQuery(_:_:writes:_:)``); returns the rows
    /// it changed.
    @discardableResult
    func standaloneRun(_ sql: String, _ bindings: [SQLValue]) async throws -> Int
}

extension SQLDatabase {
    package func standaloneQuery<T: Sendable>(_ sql: String, _ bindings: [SQLValue], writes: Bool,
                                              _ map: @escaping @Sendable (Connection.Row) throws -> T) async throws -> [T] {
        try await queryAlone(sql, bindings, writes: writes, map)
    }

    @discardableResult
    package func standaloneRun(_ sql: String, _ bindings: [SQLValue]) async throws -> Int {
        try await runAlone(sql, bindings)
    }

    /// A standalone statement in a call of its own, through ``read(_:)`` (a read, stopped midway when its caller is
    /// cancelled) or ``write(_:)``: the default, and what an adapter that batches does when batching is off.
    package func queryAlone<T: Sendable>(_ sql: String, _ bindings: [SQLValue], writes: Bool,
                                         _ map: @escaping @Sendable (Connection.Row) throws -> T) async throws -> [T] {
        if writes { return try await write { connection in try connection.query(sql, bindings, map) } }
        return try await read { connection in try connection.query(sql, bindings, map) }
    }

    /// A standalone statement without rows in a call of its own (see ``queryAlone(_:_:writes:_:)``).
    @discardableResult
    package func runAlone(_ sql: String, _ bindings: [SQLValue]) async throws -> Int {
        try await write { connection in try connection.run(sql, bindings) }
    }
}

/// A database served by a pool of equal connections (PostgreSQL, MariaDB): any connection may read or
/// write, so ``SQLDatabase/read(_:)`` and ``SQLDatabase/write(_:)`` are both ``run(interruptible:_:)``.
package protocol SQLPooledDatabase: SQLDatabase {
    /// Runs `body` with a pooled connection, on the connection's thread; an `interruptible` body (one that only
    /// reads) is stopped midway when its caller's task is cancelled.
    @discardableResult
    func run<T: Sendable>(interruptible: Bool, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T
}

extension SQLPooledDatabase {
    /// Runs `body`, which may write: a cancelled caller still gets its outcome.
    @discardableResult
    package func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(interruptible: false, body)
    }

    @discardableResult
    package func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(interruptible: true, body)
    }

    @discardableResult
    package func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(body)
    }
}

extension SQLDatabase {
    /// Test hook: runs a read-only statement as the stores' reads run (stopped midway when the caller is
    /// cancelled) and returns how many rows it returned.
    package func countRows(reading sql: String) async throws -> Int {
        try await read { connection in try connection.query(sql, []) { _ in () }.count }
    }
}
