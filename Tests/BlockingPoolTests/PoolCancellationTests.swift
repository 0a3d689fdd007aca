import Foundation
import IdentityStorage
@testable import IdentityStorageBlockingPool
import Synchronization
import Testing

/// A fake connection whose statements can be stopped from another thread, as `PQcancel` stops libpq's.
final class InterruptibleConnection: BlockingConnection {
    let stop = StopSignal()

    func isHealthy() -> Bool { true }
    func close() {}
    var interrupter: (any StatementInterrupter)? { stop }

    /// A "statement" that runs until interrupted or for `limit`, then fails as an interrupted statement does.
    func longStatement(limit: Duration = .seconds(30)) throws -> String {
        stop.reset()
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if stop.isSet { throw IdentityStorageError(.timeout, "statement interrupted") }
            usleep(500)
        }
        return "finished"
    }
}

final class StopSignal: StatementInterrupter {
    private let flag = Atomic<Bool>(false)
    let interrupts = Counter()
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func reset() { flag.store(false, ordering: .releasing) }
    func interrupt() {
        interrupts.increment()
        flag.store(true, ordering: .releasing)
    }
}

@Suite("Blocking connection pool: cancellation", .serialized)
struct PoolCancellationTests {
    @Test func cancelledCallersLeaveTheQueueAtOnceAndTheRestAreServed() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire)) { FakeConnection() }
        let release = try await occupyOnlyConnection(of: pool)
        let callers = (0..<1_000).map { index in
            Task { try await pool.withConnection { _ in index } }
        }
        try await waitUntil("1,000 calls queued") { pool.queuedCount >= 1_000 }
        let cancelled = callers.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        for caller in cancelled { caller.cancel() }
        // Every cancelled caller returns while the connection is still held: none waited for a connection.
        var cancellations = 0
        for caller in cancelled {
            do {
                _ = try await caller.value
            } catch is CancellationError {
                cancellations += 1
            }
        }
        #expect(cancellations == 500)
        #expect(pool.queuedCount == 500, "the cancelled callers' jobs left the queue")
        try await release()
        var served: [Int] = []
        for (index, caller) in callers.enumerated() where index % 2 == 1 { served.append(try await caller.value) }
        #expect(served == Array(stride(from: 1, to: 1_000, by: 2)), "the others were served, in order")
        await pool.shutdown()
    }

    /// With a 1 s `spinBeforeSuspending`, the caller is still polling for its answer on its own thread when its task
    /// is cancelled from another task.
    @Test(arguments: [Duration.zero, .seconds(1)])
    func aCancelledReadIsInterruptedAndItsConnectionServesTheNextCaller(spinBeforeSuspending: Duration) async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire, spinBeforeSuspending: spinBeforeSuspending)) { InterruptibleConnection() }
        let started = Counter()
        let read = Task {
            try await pool.withConnection(interruptible: true) { connection in
                started.increment()
                return try connection.longStatement()
            }
        }
        try await waitUntil("the call running") { started.current > 0 }
        read.cancel()
        await #expect(throws: CancellationError.self) { try await read.value }
        let (interrupts, next) = try await pool.withConnection { connection in (connection.stop.interrupts.current, "next") }
        #expect(interrupts == 1 && next == "next")
        await pool.shutdown()
    }

    @Test func aCancelledWriteRunsToTheEndAndItsCallerGetsTheOutcome() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire)) { InterruptibleConnection() }
        let started = Counter()
        let write = Task {
            try await pool.withConnection { connection in
                started.increment()
                return try connection.longStatement(limit: .milliseconds(300))
            }
        }
        try await waitUntil("the call running") { started.current > 0 }
        write.cancel()
        #expect(try await write.value == "finished")
        #expect(try await pool.withConnection { $0.stop.interrupts.current } == 0, "a write is never interrupted")
        await pool.shutdown()
    }

    @Test func aCancelledReadWithoutAnInterrupterIsAnsweredAtOnceAndFinishesForNobody() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire)) { FakeConnection() }
        let started = Counter(), finished = Counter(), release = Counter()
        let read = Task {
            try await pool.withConnection(interruptible: true) { _ in
                started.increment()
                while release.current == 0 { usleep(200) }
                finished.increment()
                return 1
            }
        }
        try await waitUntil("the call running") { started.current > 0 }
        read.cancel()
        await #expect(throws: CancellationError.self) { try await read.value }
        #expect(finished.current == 0, "the caller did not wait for the read")
        release.increment()
        #expect(try await pool.withConnection { _ in 2 } == 2)
        #expect(finished.current == 1)
        await pool.shutdown()
    }

    @Test func aCallerCancelledBeforeItAsksIsNeverRun() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire)) { FakeConnection() }
        let ran = Counter()
        let caller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await pool.withConnection { _ in ran.increment() }
        }
        await #expect(throws: CancellationError.self) { try await caller.value }
        _ = try await pool.withConnection { _ in 0 }
        #expect(ran.current == 0)
        await pool.shutdown()
    }
}
