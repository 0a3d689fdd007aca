import IdentityStorage

/// A kind of call that can share one connection turn with other calls of its kind: the thread that takes the
/// first such call from the queue also takes every call of the same batch and lane queued after it (up to
/// ``maximum``) and runs them with one call of ``run``, such as one Redis pipeline, one round trip for all.
///
/// Under concurrency this turns many thread wake-ups and round trips into one; alone, a call runs as before.
/// A turn's calls keep their queue order; calls of other kinds queued between them wait for the next thread.
public final class ConnectionBatch<Connection: BlockingConnection, Request: Sendable, Response: Sendable>: Sendable {
    /// The most calls one turn runs together.
    public let maximum: Int
    /// Whether a turn leaves queued calls to the pool threads already woken for them. Yes for a server that runs
    /// each connection's work in parallel (PostgreSQL's processes, MariaDB's threads): a batch then forms only from
    /// calls that no free connection would take, and the server keeps its cores busy. No for a server that runs
    /// one command at a time whatever the connection (Redis): one pipeline costs it less than many connections.
    public let leavesCallsToWokenThreads: Bool
    /// Runs the requests on the connection and returns one response per request, in order. Throwing fails
    /// every call of the turn with that error (a broken connection).
    public let run: @Sendable (Connection, [Request]) throws -> [Response]

    /// A batch kind running at most `maximum` calls a turn through `run` (see ``leavesCallsToWokenThreads``). Keep one
    /// instance per kind for the pool's lifetime: calls batch together only when they name the same instance.
    public init(maximum: Int = 64, leavesCallsToWokenThreads: Bool, run: @escaping @Sendable (Connection, [Request]) throws -> [Response]) {
        self.maximum = max(1, maximum)
        self.leavesCallsToWokenThreads = leavesCallsToWokenThreads
        self.run = run
    }
}

/// One queued call of a batch: its request, and the caller it answers. A class, so that a turn takes it back from
/// the job's `any AnyObject` without a dynamic cast.
private final class BatchedCall<Request: Sendable, Response: Sendable>: Sendable {
    let request: Request
    let call: PendingCall<Response>

    init(request: Request, call: PendingCall<Response>) {
        self.request = request
        self.call = call
    }
}

extension BlockingConnectionPool {
    /// Runs `request` through `batch` on a connection's thread (of `lane`), together with the calls of the same batch
    /// and lane queued with it. Errors as ``withConnection(lane:interruptible:_:)``. A batched call is never stopped
    /// midway (its turn runs the others' calls too): an `interruptible` one, a read, has its caller answered at once
    /// with `CancellationError` when cancelled while it runs, and its response is dropped.
    public func withConnection<Request: Sendable, Response: Sendable>(
        batching request: Request, in batch: ConnectionBatch<Connection, Request, Response>, lane: Int = 0, interruptible: Bool = false
    ) async throws -> Response {
        let call = PendingCall<Response>(interruptible: interruptible)
        let membership = PoolBatchMembership(batch: ObjectIdentifier(batch), maximum: batch.maximum,
                                         leavesCallsToWokenThreads: batch.leavesCallsToWokenThreads,
                                         call: BatchedCall(request: request, call: call)) { jobs, connection in
            // Every job here belongs to `batch`, so its call has these types.
            let type = BatchedCall<Request, Response>.self
            let calls = jobs.compactMap { job in job.batch.map { unsafeDowncast($0.call, to: type) } }.filter { $0.call.start(interrupt: nil) }
            guard !calls.isEmpty else { return true }
            let connection = Self.own(connection)
            do {
                let responses = try batch.run(connection, calls.map(\.request))
                guard responses.count == calls.count else {
                    let error = IdentityStorageError(.corruptedData, "a batch of \(calls.count) calls returned \(responses.count) responses")
                    for call in calls { call.call.finish(.failure(error)) }
                    return false
                }
                for (call, response) in zip(calls, responses) { call.call.finish(.success(response)) }
                return true
            } catch {
                for call in calls { call.call.finish(.failure(error)) }
                return self.keepConnection(connection, after: error)
            }
        }
        let job = PoolJob(id: nextJobID(), enqueued: .now, run: { connection, _ in
            switch connection {
            case .failure(let error):
                call.fail(error)
                return false
            case .success(let connection):
                let connection = Self.own(connection)
                guard call.start(interrupt: nil) else { return true }
                do {
                    let responses = try batch.run(connection, [request])
                    guard let response = responses.first, responses.count == 1 else {
                        call.finish(.failure(IdentityStorageError(.corruptedData, "a batch of 1 call returned \(responses.count) responses")))
                        return false
                    }
                    call.finish(.success(response))
                    return true
                } catch {
                    call.finish(.failure(error))
                    return self.keepConnection(connection, after: error)
                }
            }
        }, fail: { error in
            call.fail(error)
        }, batch: membership, lane: lane)
        return try await submit(job, for: call)
    }
}
