import IdentityStorage
import IdentityStorageConformance
import ServerTestSupport
import Testing

@Suite("Conformance on MariaDB")
struct MariaDBConformanceTests {
    @Test("shared database", arguments: ConformanceSuite.cases)
    func sharedDatabase(_ testCase: ConformanceCase) async throws {
        guard await MariaDBTestServer.available("conformance") != nil else { return }
        let harness = MariaDBHarness()
        let run = { await ConformanceSuite.run(testCase, on: harness) }
        let outcome = Self.runsAlone(testCase.name) ? await ServerGate.shared.exclusive(run) : await ServerGate.shared.shared(run)
        switch outcome {
        case .passed: break
        case .failed(let message, _): Issue.record("\(testCase.name) failed on \(harness.backendName): \(message)")
        case .skipped(let reason): Issue.record("\(testCase.name) skipped on \(harness.backendName): \(reason)")
        }
    }

    /// Cases that cannot share the database with cases running at the same moment, so this target runs
    /// them one at a time (`idstore check` runs every case one after another anyway):
    /// - housekeeping cases move the clock to a random minute of 1995 and clean everything expired before
    ///   it, which includes rows other cases wrote moments ago with earlier instants (other cleanup cases'
    ///   epochs, `grants.store.far-past-dates`' 1900 grant);
    /// - the corrupted-client cases leave an undecodable client for a moment, which a concurrent
    ///   `clients.list.*` case reads.
    static func runsAlone(_ name: String) -> Bool {
        name.hasPrefix("cleanup.") || name.contains(".claim-expired") || name.hasPrefix("clients.corrupted.")
            || name == "grants.store.far-past-dates" || name.hasPrefix("clients.list.")
    }
}
