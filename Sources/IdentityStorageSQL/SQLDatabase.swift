import IdentityStorage

/// One connection of an SQL adapter as the stores use it: an adapter wraps its client library's connection handle in a
/// class conforming to this, and its ``SQLDatabase`` hands it to the stores' closures.
///
/// An adapter writes ``run(_:_:)`` and ``query(_:_:_:)``; the other requirements have defaults that fit an engine with
/// `RETURNING` and affected-row counts. Not thread-safe, and need not be: a connection is only ever used inside a
/// ``SQLDatabase`` closure, on the thread that owns it (a `BlockingConnectionPool` thread). Its errors are
/// `IdentityStorageError`s, classified as the engine's error codes say (`unavailable` when the connection broke,
/// `conflict`, `permissionDenied`, …), never showing a bound value.
public protocol SQLConnection: AnyObject, SendableMetatype {
    /// The row type handed to the decoders.
    associatedtype Row: SQLRow

    /// Runs a statement that returns no rows (or whose rows are ignored) with `bindings` for its placeholders, in order;
    /// returns the rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLValue]) throws -> Int

    /// Runs a statement with `bindings` and maps each result row with `map` (the row is valid only inside `map`).
    func query<T>(_ sql: String, _ bindings: [SQLValue], _ map: (Row) throws -> T) throws -> [T]

    /// Runs an `UPDATE` of one row and answers whether the row exists. Default: the affected-row count is
    /// above 0. An engine that counts changed rows only (MariaDB) runs `exists` with `keyBindings` when the count is 0.
    func updateExisting(_ update: String, _ bindings: [SQLValue], exists: String, _ keyBindings: [SQLValue]) throws -> Bool

    /// Runs an `INSERT` that generates an `id` and returns it. Default: the statement ends with
    /// ``SQLDialect/returningGeneratedID`` and its first row holds the id. MariaDB reads the insert id.
    func insertReturningID(_ sql: String, _ bindings: [SQLValue]) throws -> Int64
}

extension SQLConnection {
    /// Runs `update`; the row exists when the statement changed a row (engines that count matched rows).
    public func updateExisting(_ update: String, _ bindings: [SQLValue], exists: String, _ keyBindings: [SQLValue]) throws -> Bool {
        try run(update, bindings) > 0
    }

    /// Runs `sql`, which ends with ``SQLDialect/returningGeneratedID``, and reads the id from its first row.
    public func insertReturningID(_ sql: String, _ bindings: [SQLValue]) throws -> Int64 {
        guard let id = try query(sql, bindings, { try $0.int64(0) }).first else {
            throw IdentityStorageError(.schemaMismatch, "an INSERT returned no generated id")
        }
        return id
    }
}

/// A named lock that writers of one kind hold for a whole transaction, across every instance sharing
/// the database, so that a conditional write ("only if no newer key", "only if the latest id is N") has
/// exactly one winner. The stores pass one to ``SQLDatabase/locked(_:_:)``; the adapter maps its ``name`` to
/// its engine's lock (an advisory lock, a row of a locks table). A struct, not an enum: a lock added later
/// reaches an adapter that locks by name without a change to it.
public struct SQLLock: Sendable, Hashable {
    /// The lock's name, unique among the locks: letters, digits and `_` only, so it fits in a lock table's row or an
    /// advisory lock's key as it is.
    public let name: String

    /// Taken by stores of signing keys (`signing_keys`).
    public static let signingKeys = SQLLock(name: "signing_keys")
    /// Taken by appends to the key ring (`key_ring`).
    public static let keyRing = SQLLock(name: "key_ring")

    private init(name: String) {
        self.name = name
    }
}

/// The connections of one SQL adapter as the stores use them: what an adapter to another SQL engine writes, beside its
/// ``SQLConnection`` and its ``SQLDialect``, to get every store (``IdentityStorage/IdentityStores/sql(_:clock:messageSlidingExpiration:capabilities:)``).
///
/// Every closure runs on one of the adapter's connection threads, never on Swift's cooperative pool (a blocking call
/// there stalls every task of the process), with one connection for its whole run: wrap the connections in a
/// `BlockingConnectionPool` (module `IdentityStorageBlockingPool`) and implement each requirement with its
/// `withConnection`. A server engine whose connections are all equal conforms to ``SQLPooledDatabase``, which
/// provides ``read(_:)`` and ``write(_:)``.
///
/// Requirements added in a later version arrive with a default implementation, so an adapter written against this
/// one keeps compiling.
public protocol SQLDatabase: Sendable {
    /// The adapter's connection.
    associatedtype Connection: SQLConnection

    /// How this database writes SQL; the stores build their statements from it once, when they are made.
    var dialect: SQLDialect { get }

    /// Runs `body` on a connection that may only read (SQLite: a reader; the servers: any connection). Cancelling
    /// the caller's task stops it midway where the connection's library can (the pool's `interruptible` calls).
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
    /// Runs the statement in a call of its own (``queryAlone(_:_:writes:_:)``): for an adapter that does not batch.
    public func standaloneQuery<T: Sendable>(_ sql: String, _ bindings: [SQLValue], writes: Bool,
                                              _ map: @escaping @Sendable (Connection.Row) throws -> T) async throws -> [T] {
        try await queryAlone(sql, bindings, writes: writes, map)
    }

    /// Runs the statement in a call of its own (``runAlone(_:_:)``): for an adapter that does not batch.
    @discardableResult
    public func standaloneRun(_ sql: String, _ bindings: [SQLValue]) async throws -> Int {
        try await runAlone(sql, bindings)
    }

    /// A standalone statement in a call of its own, through ``read(_:)`` (a read, stopped midway when its caller is
    /// cancelled) or ``write(_:)``: the default, and what an adapter that batches does when batching is off.
    public func queryAlone<T: Sendable>(_ sql: String, _ bindings: [SQLValue], writes: Bool,
                                         _ map: @escaping @Sendable (Connection.Row) throws -> T) async throws -> [T] {
        if writes { return try await write { connection in try connection.query(sql, bindings, map) } }
        return try await read { connection in try connection.query(sql, bindings, map) }
    }

    /// A standalone statement without rows in a call of its own (see ``queryAlone(_:_:writes:_:)``).
    @discardableResult
    public func runAlone(_ sql: String, _ bindings: [SQLValue]) async throws -> Int {
        try await write { connection in try connection.run(sql, bindings) }
    }
}

/// A database served by a pool of equal connections (PostgreSQL, MariaDB): any connection may read or
/// write, so ``SQLDatabase/read(_:)`` and ``SQLDatabase/write(_:)`` are both ``run(interruptible:_:)``, which an adapter
/// usually writes as its pool's `withConnection(interruptible:_:)`.
public protocol SQLPooledDatabase: SQLDatabase {
    /// Runs `body` with a pooled connection, on the connection's thread; an `interruptible` body (one that only
    /// reads) is stopped midway when its caller's task is cancelled.
    @discardableResult
    func run<T: Sendable>(interruptible: Bool, _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T
}

extension SQLPooledDatabase {
    /// Runs `body`, which may write: a cancelled caller still gets its outcome.
    @discardableResult
    public func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(interruptible: false, body)
    }

    /// Runs `body`, which only reads, with any connection: stopped midway when its caller is cancelled.
    @discardableResult
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(interruptible: true, body)
    }

    /// Runs `body`, which may write, with any connection (``run(_:)``).
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await run(body)
    }
}
