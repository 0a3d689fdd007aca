import IdentityStorage
import IdentityStorageConformance
import Testing

@Suite("Conformance on SQLite")
struct SQLiteConformanceTests {
    @Test("file database", arguments: ConformanceSuite.cases)
    func fileDatabase(_ testCase: ConformanceCase) async throws {
        try await check(testCase, on: SQLiteHarness(kind: .file, testCase: testCase))
    }

    @Test("in-memory database", arguments: ConformanceSuite.cases)
    func inMemoryDatabase(_ testCase: ConformanceCase) async throws {
        try await check(testCase, on: SQLiteHarness(kind: .memory, testCase: testCase))
    }

    private func check(_ testCase: ConformanceCase, on harness: SQLiteHarness) async throws {
        switch await ConformanceSuite.run(testCase, on: harness) {
        case .passed: break
        case .failed(let message, _): Issue.record("\(testCase.name) failed on \(harness.backendName): \(message)")
        case .skipped(let reason): Issue.record("\(testCase.name) skipped on \(harness.backendName): \(reason)")
        }
    }
}
