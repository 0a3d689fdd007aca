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

    /// As many long reads as there are inline connections, each first tried on its caller's thread: were they not
    /// stopped at the bound, they would hold that many threads of the cooperative pool (all of it, on a machine of
    /// two cores) for their whole length, some 30 s, and the 100 tasks below could not finish before them.
    @Test func longReadsNeverHoldTheCooperativePool() async throws {
        let readers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let path = try TemporaryDirectory().file("liveness.db")
        let storage = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)?readers=\(readers)")))
        let longRead = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000000) SELECT count(*) FROM c"
        let finished = Finished()
        let longReads = (0..<readers).map { _ in
            Task {
                _ = try? await storage.readRaw(longRead)
                finished.reads.withLock { $0 += 1 }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    for _ in 0..<20 { try? await Task.sleep(for: .milliseconds(1)) }
                }
            }
        }
        let readsDoneBeforeTheTasks = finished.reads.withLock { $0 }
        for read in longReads { read.cancel() }
        for read in longReads { await read.value }
        #expect(readsDoneBeforeTheTasks == 0, "the tasks waited for \(readsDoneBeforeTheTasks) long reads to end")
        await storage.close()
    }
}

/// Long reads that have ended.
private final class Finished: Sendable {
    let reads = Mutex(0)
}
