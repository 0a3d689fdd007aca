import CSQLite3
import Dispatch
import Synchronization

/// What stops a call run on its caller's thread before it blocks that thread for long: SQLite's progress handler
/// interrupts a statement still running past the deadline, and its busy handler gives up at once instead of
/// sleeping for another process's lock. Either way the attempt is *abandoned*: SQLite has rolled the statement
/// back, and the call runs again on a pool thread, where waiting is allowed.
///
/// Installed for good on a connection kept for calls on their callers' threads; each attempt
/// (``SQLiteConnection/attemptInline(within:_:)``) sets the deadline. Only the thread running the attempt touches
/// it; the atomics make it `Sendable`, as the C callbacks' context must be.
final class SQLiteInlineBudget: Sendable {
    /// Uptime in nanoseconds after which the progress handler interrupts; `.max` outside an attempt.
    private let deadline = Atomic<UInt64>(.max)
    private let abandonedFlag = Atomic<Bool>(false)

    /// Virtual-machine steps between two looks at the clock: a few microseconds of work.
    static let stepsBetweenChecks: Int32 = 500

    func begin(_ bound: Duration) {
        abandonedFlag.store(false, ordering: .relaxed)
        deadline.store(DispatchTime.now().uptimeNanoseconds &+ UInt64(bound.nanoseconds), ordering: .relaxed)
    }

    /// Ends the attempt; whether it was abandoned.
    func end() -> Bool {
        deadline.store(.max, ordering: .relaxed)
        return abandonedFlag.load(ordering: .relaxed)
    }

    /// Progress handler: non-zero interrupts the running statement.
    fileprivate func progress() -> Int32 {
        guard DispatchTime.now().uptimeNanoseconds > deadline.load(ordering: .relaxed) else { return 0 }
        abandonedFlag.store(true, ordering: .relaxed)
        return 1
    }

    /// Busy handler: zero makes the statement fail with `SQLITE_BUSY` now rather than sleep.
    fileprivate func busy() -> Int32 {
        abandonedFlag.store(true, ordering: .relaxed)
        return 0
    }

    /// Installs the handlers on `db`, with this budget as their context; the connection keeps the budget alive.
    func install(on db: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_progress_handler(db, Self.stepsBetweenChecks, { context in
            Unmanaged<SQLiteInlineBudget>.fromOpaque(context!).takeUnretainedValue().progress()
        }, context)
        sqlite3_busy_handler(db, { context, _ in
            Unmanaged<SQLiteInlineBudget>.fromOpaque(context!).takeUnretainedValue().busy()
        }, context)
    }
}
