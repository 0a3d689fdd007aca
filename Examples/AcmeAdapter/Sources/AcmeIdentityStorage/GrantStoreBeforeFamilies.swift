// The example of the article "Adding a store requirement" (Sources/IdentityStorage/Documentation.docc/
// AddingAStoreRequirement.md), as it is from its first import on: Acme's grant store predates refresh-token families,
// and CI compiles it here, in a package outside IdentityStorage (AdapterSeamTests runs it and keeps the two the same).
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
