import Foundation
import IdentityStorage
@testable import IdentityStorageBlockingPool
import Synchronization
import Testing

/// A thread-safe counter the test closures can share.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    @discardableResult func increment() -> Int { value.wrappingAdd(1, ordering: .relaxed).newValue }
    var current: Int { value.load(ordering: .relaxed) }
}

/// A thread-safe list the test closures can share.
final class Recorder: Sendable {
    private let items = Mutex<[Int]>([])
    func append(_ item: Int) { items.withLock { $0.append(item) } }
    var all: [Int] { items.withLock { $0 } }
}

private let connectionSerials = Counter()

/// A fake connection with a serial number; `broken` makes its health check fail.
final class FakeConnection: BlockingConnection {
    let serial = connectionSerials.increment()
    var broken = false
    let thread = Thread.current

    func isHealthy() -> Bool { !broken }
    func close() {}
}

/// Occupies the only connection of `pool` and returns once it is held, so that later calls queue up behind it;
/// the returned closure frees it and waits for that call to end.
func occupyOnlyConnection<Connection>(of pool: BlockingConnectionPool<Connection>, lane: Int = 0) async throws -> @Sendable () async throws -> Void {
    let holding = Counter(), released = Counter()
    let holder = Task { try await pool.withConnection(lane: lane) { _ in
        holding.increment()
        while released.current == 0 { usleep(200) }
    } }
    try await waitUntil("the pool's thread took the occupying call") { holding.current > 0 }
    return {
        released.increment()
        try await holder.value
    }
}

/// Waits until `condition` holds, suspending between looks (a loop of `Task.yield()` would keep a cooperative thread
/// busy); fails the test as a hang after `limit`. Nothing here measures a time. A test that waits for calls to be queued
/// gives its pool an acquire timeout longer than this: on a loaded machine, queueing them may take longer than the
/// default 10 s, and a call the sweep timed out would never be seen queued.
func waitUntil(_ what: @autoclosure () -> String, limit: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
               _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("\(what()) did not happen within \(limit): a hang", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// Longer than any wait of ``waitUntil(_:limit:sourceLocation:_:)``: queued calls are never timed out under a test.
let patientAcquire = Duration.seconds(600)

@Suite("Blocking connection pool", .serialized)
struct BlockingConnectionPoolTests {
    @Test func blockingCallsRunOffTheCooperativePool() async throws {
        // Eight calls that each block until all eight are running at once: on Swift's cooperative pool
        // (two threads here) they could never all run together; on the pool's eight threads they do.
        let pool = BlockingConnectionPool(configuration: .init(size: 8)) { FakeConnection() }
        let arrived = Counter()
        let allTogether = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await pool.withConnection { _ in
                        arrived.increment()
                        for _ in 0..<10_000 where arrived.current < 8 { usleep(1_000) }
                        return arrived.current == 8
                    }
                }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(allTogether)
        await pool.shutdown()
    }

    @Test(arguments: [Duration.zero, .microseconds(50), .milliseconds(5)])
    func everyCallIsServedWhateverThePolling(spin: Duration) async throws {
        // Bursts and pauses make threads alternate between polling, parking and being woken, and callers between
        // polling for their answer and suspending; a lost wake-up or answer would leave a call waiting until the
        // acquire timeout turns it into an error.
        let pool = BlockingConnectionPool(configuration: .init(size: 3, acquireTimeout: .seconds(60), spinBeforeParking: spin,
                                                               spinBeforeSuspending: spin * 5)) { FakeConnection() }
        let served = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<24 {
                group.addTask {
                    for call in 0..<200 {
                        _ = try await pool.withConnection { _ in served.increment() }
                        if (call + caller) % 50 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(served.current == 24 * 200)
        #expect(pool.queuedCount == 0)
        await pool.shutdown()
    }

    @Test func aCallerAloneWithThePoolGetsItsAnswerOrErrorWhetherItCameWhileItPolledOrAfter() async throws {
        // A call that found the pool idle polls for its answer first: answers that come while it polls (the first
        // two) and after it has suspended (the slow one) must each reach it, exactly once.
        let pool = BlockingConnectionPool(configuration: .init(size: 1, spinBeforeSuspending: .milliseconds(20))) { FakeConnection() }
        #expect(try await pool.withConnection { _ in 7 } == 7)
        await #expect(throws: IdentityStorageError.self) {
            try await pool.withConnection { _ in throw IdentityStorageError(.invalidArgument, "refused") }
        }
        #expect(try await pool.withConnection { _ in usleep(60_000); return 8 } == 8)
        #expect(pool.queuedCount == 0)
        await pool.shutdown()
    }

    @Test func batchedCallsQueuedTogetherRunTogetherAndEachGetsItsOwnResponse() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire)) { FakeConnection() }
        let turns = Recorder()
        let batch = ConnectionBatch<FakeConnection, Int, Int>(maximum: 8, leavesCallsToWokenThreads: false) { _, requests in
            turns.append(requests.count)
            return requests.map { $0 * 10 }
        }
        let release = try await occupyOnlyConnection(of: pool)
        let responses = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for request in 0..<20 {
                group.addTask { (request, try await pool.withConnection(batching: request, in: batch)) }
            }
            try await waitUntil("20 calls queued") { pool.queuedCount >= 20 }
            try await release()
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(responses == Dictionary(uniqueKeysWithValues: (0..<20).map { ($0, $0 * 10) }))
        #expect(turns.all.reduce(0, +) == 20 && turns.all.allSatisfy { $0 <= 8 })
        #expect(turns.all.count <= 4, "20 queued calls in batches of at most 8 take 3 turns, not \(turns.all.count)")
        await pool.shutdown()
    }

    @Test func aFailingBatchFailsEveryCallOfItsTurnAndReplacesTheConnection() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1)) { FakeConnection() }
        let batch = ConnectionBatch<FakeConnection, Int, Int>(leavesCallsToWokenThreads: false) { _, _ in throw IdentityStorageError(.unavailable, "connection lost") }
        await #expect(throws: IdentityStorageError.self) { try await pool.withConnection(batching: 1, in: batch) }
        let first = try await pool.withConnection { $0.serial }
        await #expect(throws: IdentityStorageError.self) { try await pool.withConnection(batching: 2, in: batch) }
        let second = try await pool.withConnection { $0.serial }
        #expect(first != second, "a connection that failed with unavailable is replaced")
        await pool.shutdown()
    }

    @Test func whatAFinishedCallCapturedIsReleased() async throws {
        // The queue once kept the last 64 finished jobs, and with them every bulk load they captured.
        final class Payload: Sendable {}
        let pool = BlockingConnectionPool(configuration: .init(size: 1)) { FakeConnection() }
        weak var released: Payload?
        do {
            let payload = Payload()
            released = payload
            _ = try await pool.withConnection { _ in ObjectIdentifier(payload) }
        }
        // The caller is answered before the pool's thread lets go of the job; on a loaded machine it looks first.
        try await waitUntil("the finished call's capture released") { released == nil }
        await pool.shutdown()
    }

    @Test func oneConnectionIsUsedByOneThreadOnly() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 2)) { FakeConnection() }
        let sameThread = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask { try await pool.withConnection { connection in connection.thread == Thread.current } }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(sameThread)
        await pool.shutdown()
    }

    @Test func waitingCallersAreServedInOrder() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patientAcquire)) { FakeConnection() }
        let order = Recorder()
        // Hold the only connection while the others queue up one after another.
        let release = try await occupyOnlyConnection(of: pool)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 {
                group.addTask { try await pool.withConnection { _ in order.append(index) } }
                try await waitUntil("call \(index) queued") { pool.queuedCount >= index + 1 }
            }
            try await release()
            try await group.waitForAll()
        }
        #expect(order.all == Array(0..<10))
        await pool.shutdown()
    }

    @Test func aWaitingCallerTimesOutWithATypedError() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: .milliseconds(200))) { FakeConnection() }
        // The only connection stays busy until the waiting caller has timed out: the timeout cannot
        // come from the connection freeing up.
        let release = try await occupyOnlyConnection(of: pool)
        do {
            try await pool.withConnection { _ in }
            Issue.record("expected a timeout")
        } catch let error as IdentityStorageError {
            #expect(error.code == .timeout)
        }
        try await release()
        await pool.shutdown()
    }

    @Test func aBrokenConnectionIsReplaced() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1, healthCheckInterval: .zero)) { FakeConnection() }
        let first = try await pool.withConnection { $0.serial }
        await #expect(throws: IdentityStorageError.self) {
            try await pool.withConnection { _ in throw IdentityStorageError(.unavailable, "connection reset") }
        }
        let second = try await pool.withConnection { $0.serial }
        #expect(second != first, "a connection that failed with unavailable must be replaced")
        try await pool.withConnection { $0.broken = true }
        try await Task.sleep(for: .milliseconds(5))
        let third = try await pool.withConnection { $0.serial }
        #expect(third != second, "an unhealthy idle connection must be replaced")
        await pool.shutdown()
    }

    @Test func aFailedConnectIsTypedAndRetried() async throws {
        let attempts = Counter()
        let pool = BlockingConnectionPool(configuration: .init(size: 1)) { () throws -> FakeConnection in
            if attempts.increment() == 1 {
                throw IdentityStorageError(.unavailable, "connection refused")
            }
            return FakeConnection()
        }
        await #expect(throws: IdentityStorageError.self) { try await pool.withConnection { _ in } }
        try await pool.withConnection { _ in }
        await pool.shutdown()
    }

    @Test func shutdownFinishesQueuedWorkThenRefuses() async throws {
        let pool = BlockingConnectionPool(configuration: .init(size: 1)) { FakeConnection() }
        let done = Counter()
        let holding = Counter()
        let released = Counter()
        // The first call holds the only thread until the second is queued and shutdown has begun (a fixed sleep
        // could end first on a loaded machine, and the second call would never be seen queued).
        async let first: Void = pool.withConnection { _ in
            holding.increment()
            while released.current == 0 { usleep(200) }
            done.increment()
        }
        try await waitUntil("the first call running") { holding.current > 0 }
        async let second: Void = pool.withConnection { _ in done.increment() }
        try await waitUntil("the second call queued") { pool.queuedCount > 0 }
        async let shutdown: Void = pool.shutdown()
        try await Task.sleep(for: .milliseconds(50))
        released.increment()
        await shutdown
        try await first
        try await second
        #expect(done.current == 2)
        do {
            try await pool.withConnection { _ in }
            Issue.record("a call after shutdown succeeded")
        } catch let error as IdentityStorageError {
            #expect(error.code == .unavailable)
        }
    }
}
