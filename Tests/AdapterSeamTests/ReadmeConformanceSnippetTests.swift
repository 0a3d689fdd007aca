import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageOpener
import IdentityStorageTool
import ServerTestSupport
import Testing

// The documentation's two test-target snippets, copied as they are (the IdentityStorageConformance landing page,
// Conformance/Documentation.docc/IdentityStorageConformance.md, and the article
// Sources/IdentityStorage/Documentation.docc/WritingAnAdapter.md), each
// on a backend of its own that nothing else in this process touches. Swift Testing runs their cases in parallel, as
// it would in the reader's package: what keeps the cases that need the database to themselves apart is the suite.

/// What the documentation leaves to the reader around its snippets: one store, and one Acme backend, for the whole test run.
private let scratch = try! Scratch()
private let testStore = Task { try await StoreOpener.builtIn.open(url: "sqlite:" + scratch.path("readme.db")) }

private enum SharedAcme {
    private static let opened = Task { try await StoreOpener(drivers: [AcmeDriver()]).open(url: "acme:").backend }

    static func backend() async throws -> any IdentityStorageBackend { try await opened.value }
}

@Suite("The documentation's conformance snippets, run as written")
struct ReadmeConformanceSnippetTests {
    /// The IdentityStorageConformance landing page's snippet, on SQLite.
    @Test(arguments: ConformanceSuite.cases)
    func conformance(_ testCase: ConformanceCase) async throws {
        let outcome = await ConformanceSuite.run(testCase, on: BackendHarness(try await testStore.value))
        if case .failed(let message, _) = outcome { Issue.record("\(testCase.name): \(message)") }
    }

    /// The "Writing an Adapter" article's snippet, on the Acme adapter.
    @Test(arguments: ConformanceSuite.cases)
    func acmeConformance(_ testCase: ConformanceCase) async throws {
        let outcome = await ConformanceSuite.run(testCase, on: BackendHarness(try await SharedAcme.backend(), name: "acme"))
        if case .failed(let message, _) = outcome { Issue.record("\(testCase.name): \(message)") }
    }
}
