import IdentityStorage
@_spi(Testing) import IdentityStorageMemory
import IdentityStorageConformance
import Testing

/// The in-memory adapter under the conformance suite: a fresh set of stores per case.
struct MemoryHarness: ConformanceHarness {
    let backendName = "memory"

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        MemoryIdentityStorage(configuration: .init(clock: clock)).makeStores()
    }

    func corrupt(_ corruption: StoredDataCorruption, in stores: IdentityStores) async throws {
        MemoryIdentityStorage.corrupt(corruption, in: stores)
    }
}

@Suite("Conformance on memory")
struct MemoryConformanceTests {
    @Test("conformance case", arguments: ConformanceSuite.cases)
    func conformance(_ testCase: ConformanceCase) async throws {
        let outcome = await ConformanceSuite.run(testCase, on: MemoryHarness())
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
