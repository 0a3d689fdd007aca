import Foundation
import IdentityStorage
import IdentityStorageSQLite
import Synchronization
import Testing

/// Reads on their callers' threads: used when a connection is free, never holding a thread of the cooperative pool
/// past the inline bound, and off on request.
@Suite("SQLite inline reads")
struct SQLiteInlineReadTests {
    @Test func aReadRunsOnItsCallersThreadUnlessInlineReadsAreOff() async throws {
        let path = try TemporaryDirectory().file("inline.db")
        let inline = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)")))
        #expect(!(try await inline.readsOnAPoolThread()))
        await inline.close()
        let pooled = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)?inline_bound=off")))
        #expect(pooled.configuration.inlineBound == nil)
        #expect(try await pooled.readsOnAPoolThread())
        await pooled.close()
    }

    @Test func aReadLongerThanTheBoundFinishesOnAReaderThread() async throws {
        let storage = try await SQLiteIdentityStorage.open(.init(path: try TemporaryDirectory().file("long.db")))
        // Some 100 ms of work, 100 times the default bound: interrupted inline, then run to its end on a pool thread.
        let rows = try await storage.readRaw("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT x FROM c WHERE x % 1000 = 0")
        #expect(rows == 1000)
        await storage.close()
    }

    @Test func theInlineBoundIsReadFromTheURL() throws {
        #expect(try SQLiteIdentityStorage.Configuration(url: StoreURL(parsing: "sqlite:a.db?inline_bound=5ms")).inlineBound == .milliseconds(5))
        #expect(try SQLiteIdentityStorage.Configuration(url: StoreURL(parsing: "sqlite:a.db?inline_bound=off")).inlineBound == nil)
        #expect(try SQLiteIdentityStorage.Configuration(url: StoreURL(parsing: "sqlite:a.db")).inlineBound == .milliseconds(1))
        #expect(throws: IdentityStorageError.self) { try SQLiteIdentityStorage.Configuration(url: StoreURL(parsing: "sqlite:a.db?inline_bound=soon")) }
    }

    /// As many long reads as there are inline connections, each first tried on its caller's thread, while 100 tasks
    /// tick (sleep 1 ms, count, again). Were the reads not stopped at the bound, they would hold that many threads
    /// of the cooperative pool (all of it, on a machine of two cores) for their whole length, and no
    /// task could tick while they ran. Counted per read from its own start, so that other tests keeping the pool
    /// busy in the same process slow the ticking down but cannot fake or hide a held thread; the reads are
    /// cancelled once the tasks have ticked enough beside every one of them. The reads are long enough never to end
    /// before that on a loaded machine (30 s once did, at 1,400 ticks), and the time limit ends a read whose
    /// cancellation failed.
    @Test(.timeLimit(.minutes(3)))
    func longReadsNeverHoldTheCooperativePool() async throws {
        let readers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let path = try TemporaryDirectory().file("liveness.db")
        let storage = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)?readers=\(readers)")))
        let longRead = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000000) SELECT count(*) FROM c"
        let enough = 2_000
        let ticks = Counter()
        let ticking = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(1))
                            ticks.add()
                        }
                    }
                }
            }
        }
        let started = ReadStarts()
        let longReads = (0..<readers).map { _ in
            Task { () -> Int in
                let before = ticks.value
                started.record(before)
                _ = try? await storage.readRaw(longRead)
                return ticks.value - before
            }
        }
        while started.count < readers || ticks.value - started.latest < enough {
            try await Task.sleep(for: .milliseconds(10))
        }
        for read in longReads { read.cancel() }
        var ticksDuringReads: [Int] = []
        for read in longReads { ticksDuringReads.append(await read.value) }
        ticking.cancel()
        await ticking.value
        #expect(ticksDuringReads.allSatisfy { $0 >= enough }, "ticks while each long read ran: \(ticksDuringReads)")
        await storage.close()
    }
}

/// Ticks of the tasks beside the long reads.
private final class Counter: Sendable {
    private let count = Atomic(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add() { count.add(1, ordering: .relaxed) }
}

/// The tick count at each long read's start.
private final class ReadStarts: Sendable {
    private let starts = Mutex<[Int]>([])
    var count: Int { starts.withLock { $0.count } }
    var latest: Int { starts.withLock { $0.max() ?? 0 } }
    func record(_ ticks: Int) { starts.withLock { $0.append(ticks) } }
}
