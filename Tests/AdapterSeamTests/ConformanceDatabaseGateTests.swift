import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import Synchronization
import Testing

/// How `ConformanceSuite.run` keeps a case that needs the database to itself apart from the others on its harness's
/// database, seen through cases of the test's own (a `cleanup.` name makes a case need the database to itself).
@Suite("The suite's database gate")
struct ConformanceDatabaseGateTests {
    @Test func aCaseThatNeedsTheDatabaseAloneWaitsForTheCasesRunning() async throws {
        let harness = BackendHarness(MemoryIdentityStorage(), name: "memory", database: .named("gate-\(UUID().uuidString)"))
        let events = Mutex<[String]>([])
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let (started, starter) = AsyncStream.makeStream(of: Void.self)
        let holding = ConformanceCase("gate.test.holding") { _ in
            events.withLock { $0.append("holding started") }
            starter.yield()
            for await _ in release { break }
            events.withLock { $0.append("holding ended") }
        }
        let alone = ConformanceCase("cleanup.gate-test.alone") { _ in events.withLock { $0.append("alone ran") } }
        let first = Task { await ConformanceSuite.run(holding, on: harness) }
        for await _ in started { break }
        let second = Task { await ConformanceSuite.run(alone, on: harness) }
        // Time for a gate that let it through to show it; a slow machine only makes this check weaker.
        try await Task.sleep(for: .milliseconds(100))
        releaser.yield()
        #expect(await first.value.isPassed)
        #expect(await second.value.isPassed)
        #expect(events.withLock { $0 } == ["holding started", "holding ended", "alone ran"])
    }

    @Test func aCaseCancelledWhileWaitingLeavesAndTheGateStaysUsable() async throws {
        let harness = BackendHarness(MemoryIdentityStorage(), name: "memory", database: .named("gate-\(UUID().uuidString)"))
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let (started, starter) = AsyncStream.makeStream(of: Void.self)
        let holding = ConformanceCase("gate.test.holding") { _ in
            starter.yield()
            for await _ in release { break }
        }
        let ran = Mutex(0)
        let alone = ConformanceCase("cleanup.gate-test.alone") { _ in ran.withLock { $0 += 1 } }
        let first = Task { await ConformanceSuite.run(holding, on: harness) }
        for await _ in started { break }
        let waiting = Task { await ConformanceSuite.run(alone, on: harness) }
        waiting.cancel()
        guard case .failed(let message, _) = await waiting.value else {
            Issue.record("a case cancelled while the database was held ran")
            return
        }
        #expect(message.contains("cancelled while waiting"), "\(message)")
        #expect(ran.withLock { $0 } == 0)
        releaser.yield()
        #expect(await first.value.isPassed)
        #expect(await ConformanceSuite.run(alone, on: harness).isPassed, "the gate after a waiter left")
        #expect(ran.withLock { $0 } == 1)
    }
}
