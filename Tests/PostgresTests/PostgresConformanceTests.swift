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
        // The suite keeps apart the cases that need the database to themselves; the server's gate keeps the fault tests
        // that stop the server out of every case.
        let outcome = await ServerGate.postgres.shared { await ConformanceSuite.run(testCase, on: harness) }
        switch outcome {
        case .passed: break
        case .failed(let message, _): Issue.record("\(testCase.name) failed on \(harness.backendName): \(message)")
        case .skipped(let reason): Issue.record("\(testCase.name) skipped on \(harness.backendName): \(reason)")
        }
    }
}
