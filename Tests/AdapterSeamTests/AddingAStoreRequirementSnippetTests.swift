@testable import AcmeExampleAdapter
import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import ServerTestSupport
import Testing

// The example of the article "Adding a store requirement" (Documentation.docc/AddingAStoreRequirement.md) is the grant
// store of Examples/AcmeAdapter, which this package compiles as the target AcmeExampleAdapter: run here as the article
// says it behaves; `theArticlesExampleIsTheAdaptersCode` keeps the two the same.

@Suite("The article \"Adding a store requirement\", run as written")
struct AddingAStoreRequirementSnippetTests {
    @Test func theArticlesExampleIsTheAdaptersCode() throws {
        let article = try String(contentsOfFile: PackagePaths.file("Sources/IdentityStorage/Documentation.docc/AddingAStoreRequirement.md"), encoding: .utf8)
        let example = try #require(article.components(separatedBy: "```swift\n").first { $0.hasPrefix("import IdentityStorage\n") }?
            .components(separatedBy: "```").first)
        let acme = try String(contentsOfFile: PackagePaths.file("Examples/AcmeAdapter/Sources/AcmeIdentityStorage/GrantStoreBeforeFamilies.swift"),
                              encoding: .utf8)
        #expect(acme.hasSuffix("\n" + example), "the article's example and Examples/AcmeAdapter's grant store differ")
    }

    @Test func anAdapterBeforeFamiliesCompilesAndRefusesThemWithTheTypedError() async throws {
        let memory = MemoryIdentityStorage().makeStores()
        let stores = storesBeforeFamilies(grants: memory.grants, cache: memory.cache, clock: SystemWallClock())
        #expect(!stores.capabilities.contains(.refreshTokenFamilies))
        let token = PersistedGrant(key: "t", type: PersistedGrantType.refreshToken, clientId: "c", creationTime: Date(), data: "{}")
        var successor = token
        successor.key = "u"
        try await stores.grants.storeGrant(token)
        await #expect { _ = try await stores.grants.rotateRefreshToken(presented: "t", successor: successor, policy: .strict) } throws: { error in
            let error = error as? IdentityStorageError
            return error?.code == .unsupported && error?.message
                == "GrantStoreBeforeFamilies does not implement rotateRefreshToken(presented:successor:policy:) (capability: refresh-token families)"
        }
        // The server falls back to consuming the token once.
        #expect(try await redeem("t", successor: successor, on: stores)?.key == "t")
        #expect(try await redeem("t", successor: successor, on: stores) == nil)
        #expect(try await stores.grants.grant(forKey: "u") != nil)
        await #expect { _ = try await stores.sessions.session(forKey: "s") } throws: { error in
            (error as? IdentityStorageError)?.message == "Acme does not implement this store: session(forKey:)"
        }
    }

    @Test func theSuiteSkipsTheFamilyCasesOnItAndRunsTheOthers() async throws {
        struct Harness: ConformanceHarness {
            var backendName: String { "acme" }
            let memory = MemoryIdentityStorage()
            var database: ConformanceDatabase { .ownedByTheCase }
            func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
                let base = memory.makeStores(clock: clock)
                return storesBeforeFamilies(grants: base.grants, cache: base.cache, clock: clock)
            }
        }
        let rotated = try #require(ConformanceSuite.case(named: "grants.rotate.rotated"))
        let outcome = await ConformanceSuite.run(rotated, on: Harness())
        guard case .skipped(let reason) = outcome else {
            Issue.record("grants.rotate.rotated: \(outcome), not skipped")
            return
        }
        #expect(reason == "acme lacks refresh-token families: \(rotated.skipReason ?? "")")
        for name in ["grants.take.race", "grants.consume.race", "replay.try-add.race"] {
            let testCase = try #require(ConformanceSuite.case(named: name))
            #expect(await ConformanceSuite.run(testCase, on: Harness()).isPassed, "\(name)")
        }
    }
}
