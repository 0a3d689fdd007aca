import Foundation
import IdentityStorage
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// `idstore bench --workload instrumentation` measures grant gets three ways in one run; only the observed variant
/// reaches the observability the tool was given. Its figures are for the benchmark to show, not for a test to assert.
@Suite("Instrumentation benchmark")
struct InstrumentationBenchTests {
    @Test func measuresUninstrumentedNoOpAndObservedGetsInOneRun() async throws {
        let kits = TelemetryKits()
        let run = await ToolRun.run(["bench", "--store", "memory:", "--workload", "instrumentation", "--operations", "40", "--warmup", "0",
                                     "--dataset", "20", "--concurrency", "1", "2", "--json"],
                                    drivers: .builtIn, observability: kits.observability())
        #expect(run.status == 0, "\(run)")
        let results = try run.stdout.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(results.map { $0["workload"] as? String } == ["grant-get uninstrumented", "grant-get no-op", "grant-get observed"]
            + ["grant-get uninstrumented", "grant-get no-op", "grant-get observed"])
        #expect(results.map { $0["concurrency"] as? Int } == [1, 1, 1, 2, 2, 2])
        #expect(results.allSatisfy { $0["operations"] as? Int == 40 }, "\(results)")
        #expect(results.filter { $0["extraTimePercentMean"] != nil && $0["extraTimePercentP50"] != nil }.count == 4)
        // The data set check, then the observed variant's share at 1 and 2 callers; nothing else.
        #expect(kits.calls("grants", "grant") == ["ok": 1 + 2 * 40])
    }
}
