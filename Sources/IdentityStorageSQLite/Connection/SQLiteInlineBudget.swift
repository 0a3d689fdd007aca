import CSQLite3
import Dispatch
import Synchronization

/// What stops a call run on its caller's thread before it blocks that thread for long: SQLite's progress handler
/// interrupts a statement still running past the deadline, and its busy handler gives up at once instead of
/// sleeping for another process's lock. Either way the attempt is *abandoned*: SQLite has rolled the statement
/// back, and the call runs again on a pool thread, where waiting is allowed.
///
/// Installed for one attempt at a time (``SQLiteConnection/attemptInline(within:_:)``); between attempts the
/// connection has its busy timeout back and no progress handler. Only the thread running the attempt touches it;
/// the atomics make it `Sendable`, as the C callbacks' context must be.
final class SQLiteInlineBudget: Sendable {
    /// Uptime in nanoseconds after which the progress handler interrupts; `.max` outside an attempt.
    private let deadline = Atomic<UInt64>(.max)
    private let abandonedFlag = Atomic<Bool>(false)
    /// WAL pages from which a commit checkpoints (see ``takeOverCheckpoints(on:pages:)``); 0 leaves it to SQLite.
    private let checkpointPages = Atomic<Int32>(0)
    private let checkpointDueFlag = Atomic<Bool>(false)
    /// Set while an inline write commits, after its bound (``deferringCheckpoints(_:)``).
    private let committingInline = Atomic<Bool>(false)

    /// Virtual-machine steps between two looks at the clock: a few microseconds of work.
    static let stepsBetweenChecks: Int32 = 500

    /// Starts an attempt on `db`: installs the handlers, with this budget as their context, until ``end(on:busyTimeoutMilliseconds:)``.
    func begin(_ bound: Duration, on db: OpaquePointer) {
        abandonedFlag.store(false, ordering: .relaxed)
        deadline.store(DispatchTime.now().uptimeNanoseconds &+ UInt64(bound.nanoseconds), ordering: .relaxed)
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_progress_handler(db, Self.stepsBetweenChecks, { context in
            Unmanaged<SQLiteInlineBudget>.fromOpaque(context!).takeUnretainedValue().progress()
        }, context)
        sqlite3_busy_handler(db, { context, _ in
            Unmanaged<SQLiteInlineBudget>.fromOpaque(context!).takeUnretainedValue().busy()
        }, context)
    }

    /// Ends the attempt, giving `db` back its busy timeout; whether the attempt was abandoned.
    func end(on db: OpaquePointer, busyTimeoutMilliseconds: Int32) -> Bool {
        sqlite3_progress_handler(db, 0, nil, nil)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        deadline.store(.max, ordering: .relaxed)
        return abandonedFlag.load(ordering: .relaxed)
    }

    /// Replaces SQLite's automatic checkpoint on `db` (`PRAGMA wal_autocheckpoint`, which it overrides), because a
    /// checkpoint copies and syncs up to `pages` pages: far past the bound. A commit outside an attempt checkpoints
    /// as SQLite would; one inside only marks the checkpoint due (``takeCheckpointDue()``), for a pool thread.
    func takeOverCheckpoints(on db: OpaquePointer, pages: Int32) {
        guard pages > 0 else { return }
        checkpointPages.store(pages, ordering: .relaxed)
        sqlite3_wal_hook(db, { context, db, name, pages in
            Unmanaged<SQLiteInlineBudget>.fromOpaque(context!).takeUnretainedValue().committed(db, name, walPages: pages)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Runs `commit` (an inline write's `COMMIT`, run after its bound) leaving a checkpoint it makes due for later.
    func deferringCheckpoints<T>(_ commit: () throws -> T) rethrows -> T {
        committingInline.store(true, ordering: .relaxed)
        defer { committingInline.store(false, ordering: .relaxed) }
        return try commit()
    }

    /// Whether a commit left the WAL due for a checkpoint that it did not run; clears the mark.
    func takeCheckpointDue() -> Bool {
        checkpointDueFlag.exchange(false, ordering: .relaxed)
    }

    /// WAL hook. Every later commit calls it again, so a checkpoint that did not happen is tried again.
    fileprivate func committed(_ db: OpaquePointer?, _ name: UnsafePointer<CChar>?, walPages: Int32) -> Int32 {
        guard walPages >= checkpointPages.load(ordering: .relaxed) else { return SQLITE_OK }
        if deadline.load(ordering: .relaxed) != .max || committingInline.load(ordering: .relaxed) {
            checkpointDueFlag.store(true, ordering: .relaxed)
        } else {
            // PASSIVE never waits for readers, as SQLite's own automatic checkpoint.
            _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
        return SQLITE_OK
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
}
