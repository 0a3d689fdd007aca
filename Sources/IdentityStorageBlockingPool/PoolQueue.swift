import DequeModule
import IdentityStorage

// The types on the pool threads' path are not generic over the pool's connection type: the pool's module is not
// specialized for the backends' types, and a generic type there costs a run-time metadata look-up at each use
// (measured at 16 Redis callers: 9 % of the machine's time). A job's closure, made where the connection type is
// known, takes its connection back from the existential.

/// A queued call of a ``BlockingConnectionPool``: runs on a pool thread with a connection, or is told why it cannot.
struct PoolJob: Sendable {
    /// Unique in its pool: what a cancelled caller's job is found by, and what an interrupt is aimed at.
    let id: UInt64
    let enqueued: ContinuousClock.Instant
    /// Runs the call with the connection (or tells it connecting failed) on `thread`; returns whether to keep
    /// the connection. The connection is always one the pool's `connect` made, of the pool's connection type.
    let run: @Sendable (Result<any BlockingConnection, IdentityStorageError>, PoolThread) -> Bool
    let fail: @Sendable (IdentityStorageError) -> Void
    /// Set for a call made through a ``ConnectionBatch``: calls of one batch queued together run together.
    var batch: PoolBatchMembership? = nil
    /// The server the call goes to (see `BlockingConnectionPool.Configuration.maximumPerLane`); 0 for a pool of one.
    var lane: Int = 0
}

/// What a batched call carries beside its own `run`: its batch, and how to run several of its batch's calls at once.
struct PoolBatchMembership: Sendable {
    let batch: ObjectIdentifier
    let maximum: Int
    let leavesCallsToWokenThreads: Bool
    /// The call's request and caller (a `BatchedCall` of the batch's types).
    let call: any AnyObject & Sendable
    /// Runs `jobs` (this one first, all of this batch and lane) in one call of the batch; returns whether to keep
    /// the connection.
    let runTogether: @Sendable ([PoolJob], any BlockingConnection) -> Bool
}

/// A pool's queue and the counts of its threads, guarded by the pool's lock.
struct PoolQueue {
    /// A deque, not an array with a moving head: a taken job must be released at once, or the closures of
    /// finished calls (and everything they captured, such as a 10,000-grant bulk load) stay alive.
    var jobs: Deque<PoolJob> = []
    var accepting = true
    var runningWorkers = 0
    /// Threads waiting for a signal; a call queued wakes one only when one is, so no wake-up is wasted.
    var parkedWorkers = 0
    /// Threads signalled that have not taken a job yet: queued calls they are on their way to.
    var wakingWorkers = 0
    /// Threads running a call, by lane; kept only while lanes are capped.
    var busyLanes: [Int: Int] = [:]

    /// Queues `job`; true when a parked thread is to be woken for it (and is counted as waking).
    mutating func append(_ job: PoolJob) -> Bool {
        jobs.append(job)
        guard parkedWorkers > 0 else { return false }
        // A call of a batch that does not leave its calls to woken threads joins the turn of a call of its batch and
        // lane already queued, which a thread is on its way to: each such turn queued has a thread woken for it, and
        // a woken thread takes a whole turn. (Skipping the wake-up whenever any thread was on its way left another
        // lane's call to wait for a thread that then took, and hung on, a call of a lane that did not answer.)
        if let batch = job.batch, !batch.leavesCallsToWokenThreads, wakingWorkers > 0,
           jobs.dropLast().contains(where: { $0.batch?.batch == batch.batch && $0.lane == job.lane }) {
            return false
        }
        parkedWorkers -= 1
        wakingWorkers += 1
        return true
    }

    /// Takes the first job that may run now (its lane under `cap`), with the calls of its batch and lane queued after
    /// it; nil when there is none.
    mutating func takeNext(maximumPerLane cap: Int?) -> [PoolJob]? {
        let first: Int?
        if let cap {
            first = jobs.firstIndex { busyLanes[$0.lane, default: 0] < cap }
        } else {
            first = jobs.isEmpty ? nil : jobs.startIndex
        }
        guard let index = first else { return nil }
        let job = jobs.remove(at: index)
        if cap != nil { busyLanes[job.lane, default: 0] += 1 }
        return [job] + companions(of: job, from: index)
    }

    /// A turn of `lane` has ended. The thread that ends it looks for its next job at once, so a call of that lane
    /// passed over at the cap is taken by it, or by a thread already woken for an earlier call.
    mutating func release(lane: Int) {
        let busy = busyLanes[lane, default: 1] - 1
        busyLanes[lane] = busy > 0 ? busy : nil
    }

    /// The calls of `first`'s batch and lane queued after it (from `index` on, up to the batch's maximum), wherever
    /// they are in the queue; for a batch that ``ConnectionBatch/leavesCallsToWokenThreads``, only those beyond one
    /// per thread already woken. Calls queued at the same time come from callers that wait on each other for
    /// nothing, so running some ahead of others breaks no order.
    private mutating func companions(of first: PoolJob, from index: Int) -> [PoolJob] {
        guard let membership = first.batch else { return [] }
        let spare = membership.leavesCallsToWokenThreads ? jobs.count - wakingWorkers : jobs.count
        var taken: [PoolJob] = []
        var position = index
        while taken.count + 1 < membership.maximum, taken.count < spare, position < jobs.endIndex {
            if jobs[position].batch?.batch == membership.batch, jobs[position].lane == first.lane {
                taken.append(jobs.remove(at: position))
            } else {
                position += 1
            }
        }
        return taken
    }

    /// Removes the queued job `id` (its caller was cancelled); false when a thread has taken it already.
    mutating func remove(id: UInt64) -> Bool {
        guard let index = jobs.firstIndex(where: { $0.id == id }) else { return false }
        jobs.remove(at: index)
        return true
    }

    /// Removes and returns the jobs queued before `deadline`.
    mutating func removeJobs(queuedBefore deadline: ContinuousClock.Instant) -> [PoolJob] {
        guard let first = jobs.first, first.enqueued < deadline else { return [] }
        let stale = Array(jobs.filter { $0.enqueued < deadline })
        jobs = jobs.filter { $0.enqueued >= deadline }
        return stale
    }
}
