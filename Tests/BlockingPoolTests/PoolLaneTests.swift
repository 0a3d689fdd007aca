import Foundation
import IdentityStorage
@testable import IdentityStorageBlockingPool
import Synchronization
import Testing

/// A fake connection to one lane (one server) of a pool.
final class LaneConnection: BlockingConnection {
    let lane: Int

    init(lane: Int) {
        self.lane = lane
    }

    func isHealthy() -> Bool { true }
    func close() {}
}

/// Calls running at once, by lane, and the most seen.
final class LaneOccupancy: Sendable {
    private let counts = Mutex<(now: [Int: Int], most: [Int: Int])>(([:], [:]))

    func enter(_ lane: Int) {
        counts.withLock { counts in
            counts.now[lane, default: 0] += 1
            counts.most[lane] = max(counts.most[lane, default: 0], counts.now[lane]!)
        }
    }

    func leave(_ lane: Int) { counts.withLock { $0.now[lane, default: 0] -= 1 } }
    var most: [Int: Int] { counts.withLock { $0.most } }
}

@Suite("Blocking connection pool lanes", .serialized)
struct PoolLaneTests {
    private func lanePool(size: Int, maximumPerLane: Int) -> BlockingConnectionPool<LaneConnection> {
        BlockingConnectionPool(configuration: .init(size: size, acquireTimeout: patientAcquire, maximumPerLane: maximumPerLane),
                               connectingToLane: { LaneConnection(lane: $0) })
    }

    @Test func eachCallRunsOnTheThreadsConnectionToItsLane() async throws {
        let pool = lanePool(size: 2, maximumPerLane: 2)
        for lane in [0, 3, 1, 3, 0, 2] {
            #expect(try await pool.withConnection(lane: lane) { $0.lane } == lane)
        }
        await pool.shutdown()
    }

    @Test func aLaneThatHangsHoldsOnlyItsCapAndTheOtherLanesGoOn() async throws {
        // Lane 1's server hangs: its calls block until released. Of the 4 threads it may hold 2; its third call waits,
        // and lane 2's calls, queued behind that one, run on the other threads meanwhile.
        let pool = lanePool(size: 4, maximumPerLane: 2)
        let running = Counter(), released = Counter()
        let hung = (0..<3).map { _ in
            Task {
                try await pool.withConnection(lane: 1) { _ in
                    running.increment()
                    while released.current == 0 { usleep(200) }
                }
            }
        }
        try await waitUntil("two of lane 1's calls running and the third queued") { running.current >= 2 && pool.queuedCount >= 1 }
        let others = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { try await pool.withConnection(lane: 2) { $0.lane } } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(others == Array(repeating: 2, count: 20))
        #expect(running.current == 2 && pool.queuedCount == 1, "lane 1 ran more than its cap of 2 at once")
        released.increment()
        for call in hung { try await call.value }
        #expect(running.current == 3)
        await pool.shutdown()
    }

    @Test func noLaneEverRunsMoreCallsThanItsCap() async throws {
        let pool = lanePool(size: 6, maximumPerLane: 2)
        let occupancy = LaneOccupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 {
                let lane = index % 3
                group.addTask {
                    try await pool.withConnection(lane: lane) { _ in
                        occupancy.enter(lane)
                        usleep(200)
                        occupancy.leave(lane)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.most.values.allSatisfy { $0 <= 2 }, "\(occupancy.most)")
        await pool.shutdown()
    }

    @Test func aBatchTurnTakesCallsOfItsOwnLaneFromAnywhereInTheQueue() async throws {
        let pool = lanePool(size: 1, maximumPerLane: 1)
        let turns = Mutex<[(lane: Int, requests: [Int])]>([])
        let batch = ConnectionBatch<LaneConnection, Int, Int>(maximum: 64, leavesCallsToWokenThreads: false) { connection, requests in
            turns.withLock { $0.append((connection.lane, requests)) }
            return requests
        }
        let release = try await occupyOnlyConnection(of: pool, lane: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Queued alternately for lanes 1 and 2: request r goes to lane 1 + r % 2.
            for request in 0..<20 {
                group.addTask {
                    let response = try await pool.withConnection(batching: request, in: batch, lane: 1 + request % 2)
                    #expect(response == request)
                }
                try await waitUntil("request \(request) queued") { pool.queuedCount >= request + 1 }
            }
            try await release()
            try await group.waitForAll()
        }
        let recorded = turns.withLock { $0 }
        #expect(recorded.allSatisfy { turn in turn.requests.allSatisfy { 1 + $0 % 2 == turn.lane } }, "\(recorded)")
        #expect(recorded.count == 2, "20 calls queued for two lanes take one turn per lane, not \(recorded.count)")
        await pool.shutdown()
    }

    @Test func aCallQueuedWhileAThreadWakesForAnotherLanesBatchGetsAThreadToo() async throws {
        // A batch that does not leave its calls to woken threads wakes one thread for the calls of a lane queued
        // together. A call of another lane queued while that thread is on its way is not part of its turn: it must get
        // a thread of its own, not wait for the first lane, whose call here hangs until the other lane's call has been
        // answered. Waiting for it would be a deadlock; a hang guard ends the hanging call after 10 s and records it.
        // Nothing here measures a time: the order of the answers is the test.
        let pool = lanePool(size: 3, maximumPerLane: 1)
        let released = Counter()
        let gaveUp = Counter()
        let batch = ConnectionBatch<LaneConnection, Int, Int>(maximum: 64, leavesCallsToWokenThreads: false) { connection, requests in
            let guardUntil = ContinuousClock.now + .seconds(10)
            while connection.lane == 1, released.current <= requests[0] {
                guard ContinuousClock.now < guardUntil else {
                    gaveUp.increment()
                    break
                }
                usleep(200)
            }
            return requests
        }
        for round in 0..<20 where gaveUp.current == 0 {
            try await Task.sleep(for: .milliseconds(5))
            async let hanging = pool.withConnection(batching: round, in: batch, lane: 1)
            async let other = pool.withConnection(batching: round, in: batch, lane: 2)
            let answered = try await other
            released.increment()
            #expect(try await hanging == round)
            #expect(answered == round)
        }
        #expect(gaveUp.current == 0, "the other lane's call was answered only once the hanging lane's call gave up")
        await pool.shutdown()
    }

    @Test func aPoolGrowsToTheThreadsItIsGiven() async throws {
        let pool = lanePool(size: 1, maximumPerLane: 4)
        pool.grow(to: 4)
        pool.grow(to: 2)
        #expect(pool.size == 4, "a pool never shrinks")
        // Four calls that each wait until all four run at once: only four threads can run them.
        let arrived = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await pool.withConnection(lane: 0) { _ in
                        arrived.increment()
                        for _ in 0..<10_000 where arrived.current < 4 { usleep(1_000) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(arrived.current == 4)
        await pool.shutdown()
    }
}
