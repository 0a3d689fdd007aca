import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// The seam growing without breaking outside adapters: a requirement added to a store protocol arrives with a default
/// that throws a typed `unsupported` error and a capability the suite skips without; `IdentityStores` built from a
/// fallback keeps compiling when a store is added. Public API only, as in the rest of this target.
@Suite("A seam that can grow")
struct GrowingSeamTests {
    static let drivers: [any IdentityStorageDriver] = .builtIn + [AcmeDriver()]
    static let shared = try! SharedTestStores(name: "growing_seam")

    @Test func aNewRequirementsDefaultThrowsTheTypedErrorNamingStoreRequirementAndCapability() async throws {
        // Acme's grant store predates refresh-token families: the protocol's defaults answer for it.
        let grants = AcmeBackend(memory: MemoryIdentityStorage()).makeStores(clock: nil).grants
        let token = PersistedGrant(key: "t", type: PersistedGrantType.refreshToken, clientId: "c", creationTime: Date(), data: "{}")
        var successor = token
        successor.key = "u"
        await #expect { _ = try await grants.rotateRefreshToken(presented: "t", successor: successor, policy: .strict) } throws: { error in
            let error = error as? IdentityStorageError
            return error?.code == .unsupported
                && error?.message == "AcmeGrants does not implement rotateRefreshToken(presented:successor:policy:) (capability: refresh-token families)"
        }
        await #expect { _ = try await grants.removeFamily("t") } throws: { error in
            (error as? IdentityStorageError)?.message == "AcmeGrants does not implement removeFamily(_:) (capability: refresh-token families)"
        }
    }

    @Test func theSuiteSkipsTheCasesOfAnUndeclaredCapabilityWithTheirReason() async throws {
        let harness = BackendHarness(AcmeBackend(memory: MemoryIdentityStorage()), name: "acme", database: .ownedByTheCase)
        let lacking = ConformanceSuite.cases.filter { $0.requirements.contains(.refreshTokenFamilies) }
        #expect(lacking.map(\.name).contains("grants.rotate.rotated") && lacking.map(\.name).contains("grants.remove-family.removes-members-only"))
        for testCase in lacking {
            let outcome = await ConformanceSuite.run(testCase, on: harness)
            guard case .skipped(let reason) = outcome else {
                Issue.record("\(testCase.name) on acme: \(outcome), not skipped")
                continue
            }
            #expect(reason.hasPrefix("acme lacks refresh-token families: ") && reason.contains(testCase.skipReason ?? "?"), "\(testCase.name): \(reason)")
        }
    }

    @Test("a built-in backend declares every capability the suite tests", arguments: TestBackend.allCases)
    func aBuiltInBackendDeclaresEveryTestedCapability(_ backend: TestBackend) async throws {
        // A built-in backend never skips: a capability it forgets to declare fails here (and each skipped case fails
        // its conformance tests), where an outside adapter's cases would be skipped.
        #expect(ConformanceSuite.testedCapabilities.contains(.refreshTokenFamilies))
        guard let store = try await Self.shared.store(backend) else { return }
        let declared = store.makeStores().capabilities
        #expect(declared.isSuperset(of: ConformanceSuite.testedCapabilities),
                "\(backend) lacks \(ConformanceSuite.testedCapabilities.subtracting(declared).names)")
    }

    @Test func aDeploymentTakesAOnePartCapabilityFromThePartsBackend() async throws {
        let opener = StoreOpener(drivers: Self.drivers)
        let acmeGrants = try await opener.openDeployment(DeploymentURLs(store: "memory:", operationalData: "acme:"))
        #expect(!acmeGrants.makeStores().capabilities.contains(.refreshTokenFamilies))
        #expect(acmeGrants.makeStores().capabilities.contains(.injectableClock))
        await acmeGrants.close()
        let memoryGrants = try await opener.openDeployment(DeploymentURLs(store: "acme:", operationalData: "memory:"))
        #expect(memoryGrants.makeStores().capabilities.contains(.refreshTokenFamilies))
        await memoryGrants.close()
    }

    @Test func storesBuiltFromTheFallbackAnswerUnsupportedForWhatIsLeftOut() async throws {
        let memory = MemoryIdentityStorage().makeStores()
        var stores = IdentityStores(unimplementedBy: "Acme")
        stores.clients = memory.clients
        stores.grants = memory.grants
        stores.cache = memory.cache
        stores.useCacheBackedStores(clock: SystemWallClock())

        #expect(stores.capabilities.isEmpty)
        try await stores.clients.saveClient(Client(clientId: "web"))
        #expect(try await stores.clients.client(withId: "web")?.clientId == "web")
        #expect(try await stores.replayCache.tryAdd(purpose: "p", handle: "h", expiration: Date().addingTimeInterval(60)))
        #expect(try await memory.replayCache.exists(purpose: "p", handle: "h"), "the replay cache is built on the cache it was given")

        func expectUnsupported(_ operation: String, _ call: () async throws -> Void) async {
            await #expect { try await call() } throws: { error in
                let error = error as? IdentityStorageError
                return error?.code == .unsupported && error?.message == "Acme does not implement this store: \(operation)"
            }
        }
        await expectUnsupported("session(forKey:)") { _ = try await stores.sessions.session(forKey: "s") }
        await expectUnsupported("loadKeys()") { _ = try await stores.signingKeys.loadKeys() }
        await expectUnsupported("allElements()") { _ = try await stores.keyRing.allElements() }
        await expectUnsupported("allSchemeNames()") { _ = try await stores.identityProviders.allSchemeNames() }
        await expectUnsupported("removeFamily(_:)") { _ = try await IdentityStores(unimplementedBy: "Acme").grants.removeFamily("f") }
        await expectUnsupported("removeExpiredGrants(limit:)") { _ = try await stores.cleanup.removeExpiredGrants(limit: 1) }
        await expectUnsupported("storeDeviceAuthorization(_:)") {
            try await stores.deviceFlow.storeDeviceAuthorization(DeviceAuthorization(deviceCode: "d", userCode: "u", clientId: "c",
                                                                                     creationTime: Date(), expiration: Date().addingTimeInterval(60), data: "{}"))
        }
    }

    @Test func theSuiteFailsTheCasesOfAStoreLeftOut() async throws {
        struct Partial: ConformanceHarness {
            var backendName: String { "partial" }
            let memory = MemoryIdentityStorage()
            func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
                var stores = IdentityStores(unimplementedBy: "Partial", capabilities: [.injectableClock])
                stores.grants = memory.makeStores(clock: clock).grants
                return stores
            }
        }
        let grantCase = try #require(ConformanceSuite.case(named: "grants.take.race"))
        #expect(await ConformanceSuite.run(grantCase, on: Partial()).isPassed)
        let sessionCase = try #require(ConformanceSuite.cases(withPrefix: "sessions.").first)
        guard case .failed(let message, _) = await ConformanceSuite.run(sessionCase, on: Partial()) else {
            Issue.record("\(sessionCase.name) did not fail on a harness without a session store")
            return
        }
        #expect(message.contains("Partial does not implement this store"), "\(message)")
    }
}
