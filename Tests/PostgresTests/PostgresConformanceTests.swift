import IdentityStorage
import IdentityStorageConformance
import ServerTestSupport
import Testing

@Suite("Conformance on PostgreSQL")
struct PostgresConformanceTests {
    @Test("shared database", arguments: ConformanceSuite.cases)
    func sharedDatabase(_ testCase: ConformanceCase) async throws {
        guard await PostgresTestServer.available() != nil else { return }
        let harness = PostgresHarness()
        let run = { await ConformanceSuite.run(testCase, on: harness) }
        let outcome = await ConformanceGate.run(testCase, database: ConformanceGate.postgres, server: ServerGate.postgres, run)
        switch outcome {
        case .passed: break
        case .failed(let message, _): Issue.record("\(testCase.name) failed on \(harness.backendName): \(message)")
        case .skipped(let reason): Issue.record("\(testCase.name) skipped on \(harness.backendName): \(reason)")
        }
    }
}
