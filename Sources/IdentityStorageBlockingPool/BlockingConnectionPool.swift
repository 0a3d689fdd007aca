import DequeModule
import Foundation
import IdentityStorage
import Logging
import NIOConcurrencyHelpers
import Synchronization

/// A fixed set of threads, each owning at most one connection, serving one first-in-first-out queue.
///
/// Why it is built this way:
/// - Blocking C calls must never run on Swift's cooperative pool (two threads on this machine's CI):
///   one slow query would stall every task in the process. Each connection therefore lives on a thread
///   of its own, and callers `await` a continuation that the thread resumes.
/// - The C handles are not thread-safe (`redisContext`) or must be used by one thread at a time (`PGconn`,
///   `MYSQL`, `sqlite3`): pinning a connection to its thread makes that true by construction.
/// - One shared queue serves waiting callers in arrival order, whichever connection frees first.
/// - A caller that waits longer than ``Configuration/acquireTimeout`` gets a typed `timeout` error
///   promptly, even while every connection is busy. A caller whose task is cancelled leaves the queue at once
///   (see ``PendingCall`` for a cancelled call that is already running).
/// - A connection whose job reports a connection-level failure (``IdentityStorageError/Code-swift.struct/unavailable``)
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
package final class BlockingConnectionPool<Connection: BlockingConnection>: Sendable {
    /// A queued call: runs on a pool thread with a connection, or is told why it cannot.
    struct Job: Sendable {
        /// Unique in this pool: what a cancelled caller's job is found by, and what an interrupt is aimed at.
        let id: UInt64
        let enqueued: ContinuousClock.Instant
        /// Runs the call with the connection (or tells it connecting failed) on `thread`; returns whether to keep
        /// the connection.
        let run: @Sendable (Result<Connection, IdentityStorageError>, PoolThread) -> Bool
        let fail: @Sendable (IdentityStorageError) -> Void
        /// Set for a call made through a ``ConnectionBatch``: calls of one batch queued together run together.
        var batch: BatchMembership? = nil
    }

    /// What a batched call carries beside its own `run`: its batch, and how to run several of its batch's calls at once.
    struct BatchMembership: Sendable {
        let batch: ObjectIdentifier
        let maximum: Int
        let leavesCallsToWokenThreads: Bool
        /// The call's request and continuation (a `BatchedCall` of the batch's types).
        let call: any Sendable
        /// Runs `jobs` (this one first, all of this batch) with one call of the batch; returns whether to keep the connection.
        let runTogether: @Sendable ([Job], Connection) -> Bool
    }

    private struct State {
        /// A deque, not an array with a moving head: a taken job must be released at once, or the closures of
        /// finished calls (and everything they captured, such as a 10,000-grant bulk load) stay alive.
        var jobs: Deque<Job> = []
        var accepting = true
        var runningWorkers = 0
        /// Threads waiting on `wakeUp`; `enqueue` signals only when one is, so no wake-up is wasted.
        var parkedWorkers = 0
        /// Threads signalled by `enqueue` that have not taken a job yet: queued calls they are on their way to.
        var wakingWorkers = 0
    }

    // A pthread mutex, not Synchronization's `Mutex`: on Linux that one spins, then sleeps on a priority-inheritance
    // futex, and with the callers' threads and every pool thread taking this lock once per call, it cost 16 % of
    // the machine's CPU and half the throughput at 16 callers (see the README's performance notes).
    private let state = NIOLockedValueBox(State())
    private let lastJobID = Atomic<UInt64>(0)
    /// Jobs queued and not yet taken: what a polling thread reads without taking the lock.
    private let pendingJobs = Atomic<Int>(0)
    /// Set while one thread polls, so that at most one does.
    private let polling = Atomic<Bool>(false)
    /// Threads running a job now; polling is for a pool that is otherwise idle.
    private let busyWorkers = Atomic<Int>(0)
    /// Callers between asking and being answered: the one alone polls for its answer.
    private let callers = Atomic<Int>(0)
    /// Whether the last call was answered within ``Configuration/spinBeforeSuspending``, so the next caller alone
    /// with the pool may poll for its answer.
    private let callersPoll = Atomic<Bool>(true)
    /// The pool's threads, by `pthread_self()`: for tests that ask where a call ran.
    private let threads = Mutex<Set<pthread_t>>([])
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let connect: @Sendable () throws -> Connection
    package let configuration: Configuration
    private let meters: PoolMeters
    private var logger: Logger { configuration.telemetry.logger }

    /// Starts the threads. Call ``shutdown()`` when done: the threads keep the pool alive until then.
    /// Connections are opened lazily, on first use, by `connect` on the pool's thread.
    package init(configuration: Configuration, connect: @escaping @Sendable () throws -> Connection) {
        self.configuration = configuration
        self.connect = connect
        self.meters = PoolMeters(configuration.telemetry)
        let size = max(1, configuration.size)
        state.withLockedValue { $0.runningWorkers = size }
        for index in 0..<size {
            let name = "\(configuration.threadName)-\(index)"
            Thread { [self] in
                SystemThread.nameCurrent(name)
                threads.withLock { _ = $0.insert(pthread_self()) }
                serve()
            }.start()
        }
        Task.detached { [self] in await sweep() }
    }

    /// Opens one connection now (on a pool thread), so configuration errors surface at startup.
    package func warmUp() async throws {
        try await withConnection { _ in }
    }

    /// Runs `body` with a connection on the connection's thread and returns its result.
    /// Throws `timeout` when no connection frees within the acquire timeout, `unavailable` after shutdown
    /// or when connecting fails, `CancellationError` when the caller's task is cancelled before `body` starts (or,
    /// for an `interruptible` body that only reads, while it runs), and whatever `body` throws.
    package func withConnection<T: Sendable>(interruptible: Bool = false,
                                             _ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let call = PendingCall<T>(interruptible: interruptible)
        let id = nextJobID()
        let job = Job(id: id, enqueued: .now, run: { connection, thread in
            switch connection {
            case .failure(let error):
                call.fail(error)
                return false
            case .success(let connection):
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
        })
        return try await submit(job, for: call)
    }

    /// Queues `job` and suspends its caller until `call` is answered; a cancelled caller's job leaves the queue.
    func submit<T: Sendable>(_ job: Job, for call: PendingCall<T>) async throws -> T {
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

    /// Takes a cancelled caller's job off the queue, so that nothing waits behind it.
    private func dropQueued(_ id: UInt64) {
        let dropped = state.withLockedValue { state -> Bool in
            guard let index = state.jobs.firstIndex(where: { $0.id == id }) else { return false }
            state.jobs.remove(at: index)
            pendingJobs.subtract(1, ordering: .relaxed)
            return true
        }
        if dropped { meters.waiting { pendingJobs.load(ordering: .relaxed) } }
    }

    /// Whether no call is queued or running: a caller may then use the connection another way (SQLite's writes on
    /// the caller's thread) without jumping the queue.
    package var isIdle: Bool {
        pendingJobs.load(ordering: .relaxed) == 0 && busyWorkers.load(ordering: .relaxed) == 0
    }

    /// Test hook: whether the calling thread is one of the pool's.
    package var ownsCurrentThread: Bool {
        threads.withLock { $0.contains(pthread_self()) }
    }

    /// Test hook: calls waiting for a connection.
    package var queuedCount: Int {
        state.withLockedValue { $0.jobs.count }
    }

    /// Stops accepting calls, lets queued calls finish, closes every connection and ends the threads.
    package func shutdown() async {
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

    func enqueue(_ job: Job) -> Bool {
        let (accepted, wake) = state.withLockedValue { state -> (Bool, Bool) in
            guard state.accepting else { return (false, false) }
            state.jobs.append(job)
            pendingJobs.add(1, ordering: .relaxed)
            guard state.parkedWorkers > 0 else { return (true, false) }
            state.parkedWorkers -= 1
            state.wakingWorkers += 1
            return (true, true)
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
            let expired: [Job] = state.withLockedValue { state in
                guard let first = state.jobs.first, first.enqueued < deadline else { return [] }
                let stale = Array(state.jobs.filter { $0.enqueued < deadline })
                state.jobs = state.jobs.filter { $0.enqueued >= deadline }
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
                job.fail(IdentityStorageError(.timeout, "no connection became free within \(configuration.acquireTimeout) (pool size \(configuration.size))"))
            }
        }
    }

    private enum Next {
        /// A job, with the calls of its batch that run in the same turn.
        case run([Job])
        case park
        case exit
    }

    /// The next queued job; when there is none, `park` (after counting this thread as parked) or,
    /// once the pool is shutting down, `exit`. `woken`: the thread was just signalled out of parking.
    private func next(parkIfEmpty: Bool, woken: Bool = false) -> Next {
        state.withLockedValue { state in
            if woken { state.wakingWorkers = max(0, state.wakingWorkers - 1) }
            if let job = state.jobs.popFirst() {
                let jobs = [job] + Self.companions(of: job, in: &state)
                pendingJobs.subtract(jobs.count, ordering: .relaxed)
                return .run(jobs)
            }
            guard state.accepting else { return .exit }
            if parkIfEmpty { state.parkedWorkers += 1 }
            return .park
        }
    }

    /// The calls of `first`'s batch queued right behind it (up to the batch's maximum), taken off the queue in the
    /// same hold of the lock as `first`; for a batch that ``ConnectionBatch/leavesCallsToWokenThreads``, only those
    /// beyond one per thread already woken.
    private static func companions(of first: Job, in state: inout State) -> [Job] {
        guard let membership = first.batch else { return [] }
        let spare = membership.leavesCallsToWokenThreads ? state.jobs.count - state.wakingWorkers : state.jobs.count
        var taken: [Job] = []
        while taken.count + 1 < membership.maximum, taken.count < spare, let next = state.jobs.first, next.batch?.batch == membership.batch {
            taken.append(state.jobs.removeFirst())
        }
        return taken
    }

    /// Waits for the next job: polls briefly if no other thread is polling, then parks. Nil: time to exit.
    private func waitForJob() -> [Job]? {
        let spin = configuration.spinBeforeParking
        if spin > .zero, busyWorkers.load(ordering: .relaxed) == 0,
           polling.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            let until = ContinuousClock.now + spin
            var found: Next = .park
            repeat {
                if pendingJobs.load(ordering: .relaxed) > 0 {
                    found = next(parkIfEmpty: false)
                    if case .park = found { continue }
                    break
                }
            } while busyWorkers.load(ordering: .relaxed) == 0 && ContinuousClock.now < until
            polling.store(false, ordering: .releasing)
            switch found {
            case .run(let jobs): return jobs
            case .exit: return nil
            case .park: break
            }
        }
        var woken = false
        while true {
            switch next(parkIfEmpty: true, woken: woken) {
            case .run(let jobs): return jobs
            case .exit: return nil
            case .park:
                wakeUp.wait()
                woken = true
            }
        }
    }

    private func serve() {
        let thread = PoolThread()
        var connection: Connection?
        var lastUsed = ContinuousClock.now
        let healthInterval = configuration.healthCheckInterval
        let telemetry = configuration.telemetry
        defer {
            if let connection {
                connection.close()
                meters.closed(replaced: false)
            }
            finished.signal()
        }
        while let jobs = waitForJob(), let job = jobs.first {
            busyWorkers.add(1, ordering: .relaxed)
            meters.inUse { busyWorkers.load(ordering: .relaxed) }
            meters.waiting { pendingJobs.load(ordering: .relaxed) }
            defer {
                busyWorkers.subtract(1, ordering: .relaxed)
                meters.inUse { busyWorkers.load(ordering: .relaxed) }
            }
            if jobs.count > 1 { meters.waiting { pendingJobs.load(ordering: .relaxed) } }
            if let current = connection, ContinuousClock.now - lastUsed > healthInterval, !current.isHealthy() {
                logger.notice("idle connection failed its health check; opening a new one", metadata: telemetry.metadata)
                current.close()
                meters.closed(replaced: true)
                connection = nil
            }
            if connection == nil {
                do {
                    connection = try connect()
                    meters.opened()
                    logger.debug("connection opened", metadata: telemetry.metadata)
                } catch {
                    let failure = error as? IdentityStorageError ?? IdentityStorageError(.unavailable, "connecting failed: \(error)")
                    logger.info("connecting failed", metadata: telemetry.metadata.merging(["error": .string(failure.description)]) { $1 })
                    for job in jobs { _ = job.run(.failure(failure), thread) }
                    continue
                }
            }
            thread.begin(job.id)
            let keep = jobs.count == 1 ? job.run(.success(connection!), thread) : job.batch!.runTogether(jobs, connection!)
            thread.end()
            lastUsed = ContinuousClock.now
            if !keep {
                connection?.close()
                meters.closed(replaced: true)
                connection = nil
            }
        }
    }
}
