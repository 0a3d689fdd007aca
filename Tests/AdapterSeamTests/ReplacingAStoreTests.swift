import Foundation
import IdentityStorage
import IdentityStorageMemory
import Testing

/// An adapter that takes another's stores and replaces one of them brings that store's part of the cleanup, and
/// writes no forwarding cleanup store for the rest.
@Suite("Replacing one store")
struct ReplacingAStoreTests {
    @Test func aReplacedGrantStoreBringsItsOwnCleanupAndTheRestStays() async throws {
        let clock = ManualWallClock()
        let grantsElsewhere = MemoryIdentityStorage().makeStores(clock: clock)
        var stores = MemoryIdentityStorage().makeStores(clock: clock)
        stores.grants = grantsElsewhere.grants
        stores.cleanup = stores.cleanup.replacing(grants: grantsElsewhere.cleanup)

        let now = clock.now
        try await stores.grants.storeGrant(PersistedGrant(key: "expired", type: "t", clientId: "c", creationTime: now.addingTimeInterval(-120),
                                                          expiration: now.addingTimeInterval(-60), data: "d"))
        try await stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(
            PushedAuthorizationRequest(referenceValueHash: "par", expiresAt: now.addingTimeInterval(-60), parameters: "p"))
        let report = try await CleanupRunner(stores: stores, clock: clock).run()
        #expect(report.expiredGrants == 1, "the grant, from the store that holds it now")
        #expect(report.pushedAuthorizationRequests == 1, "the PAR, from the stores it came with")
        #expect(try await grantsElsewhere.grants.grant(forKey: "expired") == nil)

        // Replacing again keeps the parts replaced before.
        let twice = stores.cleanup.replacing(cacheEntries: MemoryIdentityStorage().makeStores(clock: clock).cleanup)
        try await stores.grants.storeGrant(PersistedGrant(key: "expired2", type: "t", clientId: "c", creationTime: now.addingTimeInterval(-120),
                                                          expiration: now.addingTimeInterval(-60), data: "d"))
        #expect(try await twice.removeExpiredGrants(limit: 10).map(\.key) == ["expired2"])
    }
}
