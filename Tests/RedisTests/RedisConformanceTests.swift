import IdentityStorage
import IdentityStorageConformance
import Testing

@Suite("Conformance on Redis")
struct RedisConformanceTests {
    @Test("standalone", arguments: ConformanceSuite.cases)
    func standalone(_ testCase: ConformanceCase) async throws {
        try await check(testCase, on: .standalone)
    }

    @Test("cluster", arguments: ConformanceSuite.cases)
    func cluster(_ testCase: ConformanceCase) async throws {
        try await check(testCase, on: .cluster)
    }

    private func check(_ testCase: ConformanceCase, on kind: RedisKind) async throws {
        guard let storage = await RedisServers.shared.storage(kind) else { return }
        let harness = RedisHarness(kind: kind, storage: storage, testCase: testCase)
        let outcome = await kind.gate.shared { await ConformanceSuite.run(testCase, on: harness) }
        switch outcome {
        case .passed: break
        case .failed(let message, _): Issue.record("\(testCase.name) failed on \(harness.backendName): \(message)")
        case .skipped(let reason): Issue.record("\(testCase.name) skipped on \(harness.backendName): \(reason)")
        }
    }
}
