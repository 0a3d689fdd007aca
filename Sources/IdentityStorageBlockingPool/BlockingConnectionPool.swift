import Foundation
import IdentityStorage
import Logging
import NIOConcurrencyHelpers
import Synchronization

/// A fixed set of threads, each owning at most one connection, serving one first-in-first-out queue: how an adapter
/// runs a blocking client library's calls without blocking Swift's cooperative pool. An SQL adapter's `SQLDatabase`
/// implements each of its requirements with ``withConnection(lane:interruptible:_:)``.
///
/// Why it is built this way:
/// - Blocking C calls must never run on Swift's cooperative pool (two threads on this machine's CI):
///   one slow query would stall every task in the process. Each connection therefore lives on a thread
///   of its own, and callers `await` a continuation that the thread resumes.
/// - The C handles are not thread-safe (`redisContext`) or must be used by one thread at a time (`PGconn`,
///   `MYSQL`, `sqlite3`): pinning a connection to its thread makes that true by construction.
/// - One shared queue serves waiting callers in arrival order, whichever connection frees first.
/// - A caller that waits longer than ``Configuration/acquireTimeout`` gets a typed `timeout` error
///   promptly, even while every connection is busy. A caller whose task is cancelled leaves the queue at once;
///   a running call that only reads (`interruptible`) is stopped through the connection's ``BlockingConnection/interrupter``.
/// - A connection whose job reports a connection-level failure (`IdentityStorageError` code `unavailable`)
///   is closed and replaced on the next job; idle connections are health-checked before reuse.
/// - ``shutdown()`` finishes queued work, then closes every connection and ends the threads.
/// - Parking a thread and waking it costs tens of microseconds on a virtual machine, more than a SQLite
///   read. So a thread that has just finished a job polls the queue for ``Configuration/spinBeforeParking``
///   before it parks, but only while no other thread is running a job, and only one thread at a time: a
///   caller issuing call after call finds its thread awake, and a busy pool (where parking is rare anyway,
///   and every core is wanted by the callers and the database server) never spins.
/// - On the way back, resuming a suspended caller wakes a thread of Swift's pool, as costly as that parking. So the
///   pool's only caller polls for its answer for ``Configuration/spinBeforeSuspending`` before it suspends, while
///   the pool's calls are answered that fast; with two callers or more, callers suspend at once.
/// - Under concurrency the cost is one hand-off per call. Calls made through a ``ConnectionBatch`` that are
///   queued together run in one connection turn instead (a Redis pipeline: one round trip, one wake-up).
/// - A pool may serve several servers (a Redis Cluster's nodes), each a *lane*: every thread opens its own connection
///   to a lane on first use, so the thread that has just answered a call is the one that takes the next, whichever
///   server it goes to. ``Configuration/maximumPerLane`` caps the threads one lane may hold, so a server that hangs
///   holds only that many, never the threads the other servers' calls need; a call of a lane at its cap waits while
///   calls queued behind it, for other lanes, go ahead.
public final class BlockingConnectionPool<Connection: BlockingConnection>: Sendable {
    // A pthread mutex, not Synchronization's `Mutex`: on Linux that one spins, then sleeps on a priority-inheritance
    // futex, and with the callers' threads and every pool thread taking this lock once per call, it cost 16 % of
    // the machine's CPU and half the throughput at 16 callers (see the README's performance notes).
    let state = NIOLockedValueBox(PoolQueue())
    private let lastJobID = Atomic<UInt64>(0)
    /// Jobs queued and not yet taken: what a polling thread reads without taking the lock.
    let pendingJobs = Atomic<Int>(0)
    /// Set while one thread polls, so that at most one does.
    let polling = Atomic<Bool>(false)
    /// Threads running a job now; polling is for a pool that is otherwise idle.
    let busyWorkers = Atomic<Int>(0)
    /// Callers between asking and being answered: the one alone polls for its answer.
    private let callers = Atomic<Int>(0)
    /// Whether the last call was answered within ``Configuration/spinBeforeSuspending``, so the next caller alone
    /// with the pool may poll for its answer.
    private let callersPoll = Atomic<Bool>(true)
    /// The pool's threads, by `pthread_self()`: for tests that ask where a call ran.
    let threads = Mutex<Set<pthread_t>>([])
    let wakeUp = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
    let connect: @Sendable (_ lane: Int) throws -> Connection
    /// The settings the pool was made with.
    public let configuration: Configuration
    let meters: PoolMeters
    var logger: Logger { configuration.telemetry.logger }

    /// Starts the threads. Call ``shutdown()`` when done: the threads keep the pool alive until then.
    /// Connections are opened lazily, on first use, by `connect` on the pool's thread.
    public convenience init(configuration: Configuration, connect: @escaping @Sendable () throws -> Connection) {
        self.init(configuration: configuration, connectingToLane: { _ in try connect() })
    }

    /// A pool whose threads reach several servers, its lanes: `connect` opens a connection to lane `lane` (a call's
    /// ``withConnection(lane:interruptible:_:)``) on the pool's thread, the first time that thread serves the lane.
    public init(configuration: Configuration, connectingToLane connect: @escaping @Sendable (_ lane: Int) throws -> Connection) {
        self.configuration = configuration
        self.connect = connect
        self.meters = PoolMeters(configuration.telemetry)
        grow(to: configuration.size)
        Task.detached { [self] in await sweep() }
    }

    /// Adds threads until the pool has `size` (a Redis Cluster's pool grows with its masters); never removes any.
    public func grow(to size: Int) {
        let (first, added) = state.withLockedValue { state -> (Int, Int) in
            guard state.accepting else { return (0, 0) }
            let first = state.runningWorkers
            state.runningWorkers = max(first, size, 1)
            return (first, state.runningWorkers - first)
        }
        for index in first..<(first + added) {
            let name = "\(configuration.threadName)-\(index)"
            Thread { [self] in
                SystemThread.nameCurrent(name)
                threads.withLock { _ = $0.insert(pthread_self()) }
                serve()
            }.start()
        }
    }

    /// The pool's threads now (``Configuration/size``, or more after ``grow(to:)``).
    public var size: Int { state.withLockedValue { $0.runningWorkers } }

    /// Opens one connection now (on a pool thread), so configuration errors surface at startup.
    public func warmUp() async throws {
        try await withConnection { _ in }
    }

    /// Runs `body` with a connection on the connection's thread and returns its result.
    /// Throws `timeout` when no connection frees within the acquire timeout, `unavailable` after shutdown
    /// or when connecting fails, `CancellationError` when the caller's task is cancelled before `body` starts (or,
    /// for an `interruptible` body that only reads, while it runs), and whatever `body` throws.
    public func withConnection<T: Sendable>(lane: Int = 0, interruptible: Bool = false,
                                             _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let call = PendingCall<T>(interruptible: interruptible)
        let id = nextJobID()
        let job = PoolJob(id: id, enqueued: .now, run: { connection, thread in
            switch connection {
            case .failure(let error):
                call.fail(error)
                return false
            case .success(let connection):
                let connection = Self.own(connection)
                guard call.start(interrupt: thread.interrupt(id, connection.interrupter)) else { return true }
                do {
                    call.finish(.success(try body(connection)))
                    return true
                } catch {
                    call.finish(.failure(error))
                    return self.keepConnection(connection, after: error)
                }
            }
        }, fail: { error in
            call.fail(error)
        }, lane: lane)
        return try await submit(job, for: call)
    }

    /// Queues `job` and suspends its caller until `call` is answered; a cancelled caller's job leaves the queue.
    func submit<T: Sendable>(_ job: PoolJob, for call: PendingCall<T>) async throws -> T {
        let alone = callers.wrappingAdd(1, ordering: .relaxed).newValue == 1
        defer { callers.wrappingSubtract(1, ordering: .relaxed) }
        return try await withTaskCancellationHandler {
            // Cancelled before it was queued: the cancellation handler has answered it already.
            if !call.isAnswered {
                if !enqueue(job) {
                    job.fail(IdentityStorageError(.unavailable, "the connection pool has been shut down"))
                } else if alone {
                    awaitAnswerOnCallersThread(call, queuedAt: job.enqueued)
                }
            }
            defer {
                // Written only when it changes: every caller of a busy pool passes here.
                let quick = ContinuousClock.now - job.enqueued <= configuration.spinBeforeSuspending
                if callersPoll.load(ordering: .relaxed) != quick { callersPoll.store(quick, ordering: .relaxed) }
            }
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                call.suspend(on: continuation)
            }
        } onCancel: {
            if call.cancel() { dropQueued(job.id) }
        }
    }

    /// Polls for the answer of the pool's only caller, for at most ``Configuration/spinBeforeSuspending``.
    /// Suspending would make the answering thread wake a thread of Swift's pool for the caller (tens of
    /// microseconds on a virtual machine, as much as a round trip on loopback); a caller alone with the pool is
    /// answered here instead. With two callers or more, each suspends at once: its thread has other tasks to run.
    /// Polling stops while calls take longer than that (a slow server, a loaded machine), until one is quick again.
    private func awaitAnswerOnCallersThread<T>(_ call: PendingCall<T>, queuedAt queued: ContinuousClock.Instant) {
        guard configuration.spinBeforeSuspending > .zero, callersPoll.load(ordering: .relaxed) else { return }
        let until = queued + configuration.spinBeforeSuspending
        while !call.isAnswered, ContinuousClock.now < until {}
    }

    func nextJobID() -> UInt64 {
        lastJobID.add(1, ordering: .relaxed).newValue
    }

    /// A connection the pool hands a job, as the pool's type: every one was made by `connect`, so no check is needed.
    static func own(_ connection: any BlockingConnection) -> Connection {
        unsafeDowncast(connection, to: Connection.self)
    }

    /// Takes a cancelled caller's job off the queue, so that nothing waits behind it.
    private func dropQueued(_ id: UInt64) {
        let dropped = state.withLockedValue { state -> Bool in
            guard state.remove(id: id) else { return false }
            pendingJobs.subtract(1, ordering: .relaxed)
            return true
        }
        if dropped { meters.waiting { pendingJobs.load(ordering: .relaxed) } }
    }

    /// Whether no call is queued or running: a caller may then use the connection another way (SQLite's writes on
    /// the caller's thread) without jumping the queue.
    public var isIdle: Bool {
        pendingJobs.load(ordering: .relaxed) == 0 && busyWorkers.load(ordering: .relaxed) == 0
    }

    /// Whether the calling thread is one of the pool's: for an adapter's tests that check a call runs on a pool thread,
    /// never on its caller's.
    public var ownsCurrentThread: Bool {
        threads.withLock { $0.contains(pthread_self()) }
    }

    /// Test hook: calls waiting for a connection.
    var queuedCount: Int {
        state.withLockedValue { $0.jobs.count }
    }

    /// Stops accepting calls, lets queued calls finish, closes every connection and ends the threads.
    public func shutdown() async {
        let workers = state.withLockedValue { state -> Int in
            state.accepting = false
            return state.runningWorkers
        }
        // Every thread gets a signal: parked ones wake, the others find it when they next park and return at once.
        for _ in 0..<workers { wakeUp.signal() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { [self] in
                for _ in 0..<workers { finished.wait() }
                continuation.resume()
            }.start()
        }
    }

    func enqueue(_ job: PoolJob) -> Bool {
        let (accepted, wake) = state.withLockedValue { state -> (Bool, Bool) in
            guard state.accepting else { return (false, false) }
            pendingJobs.add(1, ordering: .relaxed)
            return (true, state.append(job))
        }
        if wake { wakeUp.signal() }
        meters.waiting { pendingJobs.load(ordering: .relaxed) }
        return accepted
    }

    /// Whether `connection` stays open after a call on it threw `error`; a connection that broke is logged and closed.
    func keepConnection(_ connection: Connection, after error: any Error) -> Bool {
        guard let error = error as? IdentityStorageError, connection.shouldDiscard(after: error) else { return true }
        logger.notice("connection lost; the next call opens a new one",
                       metadata: configuration.telemetry.metadata.merging(["error": .string(error.description)]) { $1 })
        return false
    }

    /// Fails every queued call that has waited longer than the acquire timeout. One sweeper per pool,
    /// ten times a second, instead of a timer per call: calls are many, waiting ones few.
    private func sweep() async {
        let timeout = configuration.acquireTimeout
        while state.withLockedValue({ $0.accepting }) {
            try? await Task.sleep(for: .milliseconds(100))
            let deadline = ContinuousClock.now - timeout
            let expired = state.withLockedValue { state in
                let stale = state.removeJobs(queuedBefore: deadline)
                pendingJobs.subtract(stale.count, ordering: .relaxed)
                return stale
            }
            guard !expired.isEmpty else { continue }
            meters.timedOut(expired.count)
            meters.waiting { pendingJobs.load(ordering: .relaxed) }
            logger.warning("calls waited longer than the acquire timeout",
                           metadata: configuration.telemetry.metadata.merging([
                               "calls": .stringConvertible(expired.count), "acquire_timeout": .stringConvertible(timeout),
                           ]) { $1 })
            for job in expired {
                job.fail(IdentityStorageError(.timeout, "no connection became free within \(configuration.acquireTimeout) (pool size \(size))"))
            }
        }
    }
}
