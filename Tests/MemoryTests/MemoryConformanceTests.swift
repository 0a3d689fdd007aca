import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import IdentityStorageTool
import Testing

@Suite("Conformance on memory")
struct MemoryConformanceTests {
    @Test("conformance case", arguments: ConformanceSuite.cases)
    func conformance(_ testCase: ConformanceCase) async throws {
        // A data set of its own per case; its corruption ability comes from IdentityStorageTool.
        let outcome = await ConformanceSuite.run(testCase, on: BackendHarness(MemoryIdentityStorage(), name: "memory", database: .ownedByTheCase))
        switch outcome {
        case .passed:
            break
        case .failed(let message, _):
            Issue.record("\(testCase.name) failed on memory: \(message)")
        case .skipped(let reason):
            // The in-memory adapter declares every capability: a skip here is a bug in the suite.
            Issue.record("\(testCase.name) skipped on memory: \(reason)")
        }
    }

    @Test func suiteHasEnoughUniquelyNamedCases() {
        let names = ConformanceSuite.cases.map(\.name)
        #expect(names.count >= 150)
        #expect(Set(names).count == names.count, "duplicate case names")
        for name in names {
            #expect(name.split(separator: ".").count >= 3, "\(name) is not store.operation.behaviour")
            #expect(name == name.lowercased() && !name.contains(" "), "\(name) is not lower-case and dotted")
        }
    }
}
