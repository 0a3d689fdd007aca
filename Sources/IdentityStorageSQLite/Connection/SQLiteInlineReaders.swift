import Synchronization

/// Read-only connections a caller uses on its own thread, skipping the two thread hand-offs of a pool call: one
/// wake-up each way, 10–25 µs on the machines this project runs on, most of what a read costs.
///
/// The rule for running on the caller's thread (possibly one of the few threads of Swift's cooperative pool):
/// never wait, never run long.
/// - Each connection sits behind its own lock; a caller takes the first it can lock without waiting. When none is
///   free, the call queues for a pool thread, as every call did before.
/// - A statement still running after ``bound`` is interrupted, and one that would wait for a lock fails at once
///   (``SQLiteInlineBudget``). SQLite has then undone it, and the call runs again from the start on a pool thread:
///   reads change nothing, so running one twice is safe. A caller's thread is held for at most ``bound`` plus one
///   check interval (a few microseconds of work).
/// - Writes never come here: they share the writer's one connection (``SQLiteSharedWriter``), under the same rule.
final class SQLiteInlineReaders: Sendable {
    private let slots: [Slot]
    /// The longest a read may run on its caller's thread.
    let bound: Duration

    private final class Slot: Sendable {
        let connection: Mutex<SQLiteConnection>

        init(_ connection: consuming sending SQLiteConnection) {
            self.connection = Mutex(connection)
        }
    }

    /// `count` connections made by `open`, which must make `inline` ones.
    init(count: Int, bound: Duration, open: () throws -> SQLiteConnection) throws {
        slots = try (0..<count).map { _ in Slot(try open()) }
        self.bound = bound
    }

    /// Runs `body` on the first free connection, on this thread. Nil when every connection was busy or the attempt
    /// was abandoned: the caller then runs `body` on a pool thread.
    func attempt<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T? {
        let bound = self.bound
        for slot in slots {
            // nil: this connection is in use; .some(nil): the attempt was abandoned.
            if let outcome = try slot.connection.withLockIfAvailable({ connection in try connection.attemptInline(within: bound, body) }) {
                return outcome
            }
        }
        return nil
    }

    /// Closes every connection, waiting (within ``bound``) for reads under way.
    func close() {
        for slot in slots { slot.connection.withLock { $0.close() } }
    }
}
