import Foundation
import IdentityStorageConformance
import IdentityStorageMemory
import ServerTestSupport
import Testing
// The adapter of "Adding a store requirement" (Documentation.docc/AddingAStoreRequirement.md), copied as it is from
// here to the end of the snippet; `theArticlesExampleIsThisFilesCopy` keeps the two the same.
import IdentityStorage

/// A grant store written before refresh-token families: `rotateRefreshToken` and `removeFamily` are the protocol's
/// defaults, which throw `unsupported`.
struct GrantStoreBeforeFamilies: PersistedGrantStore {
    let base: any PersistedGrantStore

    func storeGrant(_ grant: PersistedGrant) async throws { try await base.storeGrant(grant) }
    func grant(forKey key: String) async throws -> PersistedGrant? { try await base.grant(forKey: key) }
    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] { try await base.grants(matching: filter) }
    func removeGrant(forKey key: String) async throws -> Bool { try await base.removeGrant(forKey: key) }
    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int { try await base.removeGrants(matching: filter) }
    func takeGrant(forKey key: String) async throws -> PersistedGrant? { try await base.takeGrant(forKey: key) }
    func consumeGrant(forKey key: String) async throws -> PersistedGrant? { try await base.consumeGrant(forKey: key) }
}

/// The adapter's stores: every store it does not implement answers `unsupported`, naming it.
func storesBeforeFamilies(grants: any PersistedGrantStore, cache: any DistributedCache, clock: any WallClock) -> IdentityStores {
    var stores = IdentityStores(unimplementedBy: "Acme")
    stores.grants = GrantStoreBeforeFamilies(base: grants)
    stores.cache = cache
    stores.useCacheBackedStores(clock: clock)
    stores.capabilities = [.injectableClock]   // no .refreshTokenFamilies: the suite skips those cases
    return stores
}

/// A server that rotates refresh tokens where the store can, and consumes them once where it cannot.
func redeem(_ key: String, successor: PersistedGrant, on stores: IdentityStores) async throws -> PersistedGrant? {
    guard stores.capabilities.contains(.refreshTokenFamilies) else {
        guard let consumed = try await stores.grants.consumeGrant(forKey: key) else { return nil }
        try await stores.grants.storeGrant(successor)
        return consumed
    }
    return try await stores.grants.rotateRefreshToken(presented: key, successor: successor, policy: .strict).grantedFrom
}
// End of the article's example.

@Suite("The article \"Adding a store requirement\", run as written")
struct AddingAStoreRequirementSnippetTests {
    @Test func theArticlesExampleIsThisFilesCopy() throws {
        let article = try String(contentsOfFile: PackagePaths.file("Sources/IdentityStorage/Documentation.docc/AddingAStoreRequirement.md"), encoding: .utf8)
        let thisFile = try String(contentsOfFile: #filePath, encoding: .utf8)
        let example = try #require(article.components(separatedBy: "```swift\n").first { $0.hasPrefix("import IdentityStorage\n") }?
            .components(separatedBy: "```").first)
        #expect(thisFile.contains("\n" + example + "// End of the article's example."), "the article's example and this file's copy differ")
        // The outside adapter of Examples/ compiles it too (Scripts/check-examples.sh), as its grant store.
        let acme = try String(contentsOfFile: PackagePaths.file("Examples/AcmeAdapter/Sources/AcmeIdentityStorage/GrantStoreBeforeFamilies.swift"),
                              encoding: .utf8)
        #expect(acme.hasSuffix("\n" + example), "the article's example and Examples/AcmeAdapter's copy differ")
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
