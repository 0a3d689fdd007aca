import IdentityStorage

/// A connection of a blocking client library (SQLite, libpq, libmariadb, hiredis) as a ``BlockingConnectionPool``
/// sees it: an adapter's connection class conforms to this (and, for an SQL engine, to `SQLConnection`).
///
/// A connection is created on one of the pool's threads and never leaves it, so it needs no lock:
/// the pool guarantees one thread at a time, always the same one. Only ``isHealthy()`` and ``close()`` are required.
public protocol BlockingConnection: AnyObject, SendableMetatype {
    /// A cheap check run before a connection that has been idle for a while is used again
    /// (libpq `PQstatus`, a Redis `PING`, `mysql_ping`). Return false to have it replaced.
    func isHealthy() -> Bool
    /// Closes the connection; called on its thread.
    func close()
    /// Whether the connection must be replaced after a call failed with `error`.
    /// Default: after `unavailable` (the connection broke). SQLite connections never break, so they say no.
    func shouldDiscard(after error: IdentityStorageError) -> Bool
    /// What stops this connection's running statement from another thread. Default: nil (its library cannot; a
    /// cancelled read then finishes for nobody).
    var interrupter: (any StatementInterrupter)? { get }
}

extension BlockingConnection {
    /// Discards the connection after `unavailable` (it broke), keeps it after any other error.
    public func shouldDiscard(after error: IdentityStorageError) -> Bool { error.code == .unavailable }
    /// None: a cancelled read runs to its end, and its caller is answered at once with `CancellationError`.
    public var interrupter: (any StatementInterrupter)? { nil }
}
