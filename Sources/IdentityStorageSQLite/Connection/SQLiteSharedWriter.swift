import IdentityStorage
import IdentityStorageBlockingPool
import Synchronization

/// The one writer connection, shared by the writer's pool thread and callers that find it free.
///
/// The writer's thread takes the connection's lock and may wait for it. A caller takes it only when it is free and
/// the writer's queue is empty (so queued writes keep their turn), and runs its write on its own thread under the
/// rule of ``SQLiteInlineReaders``: never wait, never run past the bound. The write runs inside `BEGIN IMMEDIATE …
/// COMMIT` (the body's own transactions become savepoints), so an abandoned attempt has written nothing and runs
/// again, from the start, on the writer's thread.
final class SQLiteSharedWriter: BlockingConnection, Sendable {
    private let connection: Mutex<SQLiteConnection>
    let interrupter: (any StatementInterrupter)?

    init(_ connection: consuming sending SQLiteConnection) {
        interrupter = connection.interrupter
        self.connection = Mutex(connection)
    }

    /// Runs `body` on the connection, waiting for it: for the writer's thread.
    func run<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        try connection.withLock { connection in try body(connection) }
    }

    /// Runs `body` on this thread, as one transaction, when the connection is free. Nil when it was not, or when the
    /// attempt was abandoned (the transaction rolled back). `checkpointDue` says the commit left the WAL checkpoint
    /// to a pool thread (``SQLiteConnection/takeCheckpointDue()``).
    func attemptWrite<T: Sendable>(within bound: Duration, _ body: @Sendable (SQLiteConnection) throws -> T) throws -> (result: T, checkpointDue: Bool)? {
        try connection.withLockIfAvailable { connection in
            let result = try connection.attemptInlineWrite(within: bound, body)
            return result.map { ($0, connection.takeCheckpointDue()) }
        } ?? nil
    }

    /// Runs the read `body` on this thread when the connection is free (a database with no reader connections).
    func attemptRead<T: Sendable>(within bound: Duration, _ body: @Sendable (SQLiteConnection) throws -> T) throws -> T? {
        try connection.withLockIfAvailable { connection in try connection.attemptInline(within: bound, body) } ?? nil
    }

    func isHealthy() -> Bool { true }

    /// SQLite connections do not break; replacing one would lose an in-memory database.
    func shouldDiscard(after error: IdentityStorageError) -> Bool { false }

    func close() {
        connection.withLock { $0.close() }
    }
}
