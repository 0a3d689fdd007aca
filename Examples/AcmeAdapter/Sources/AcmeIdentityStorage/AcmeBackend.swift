import IdentityStorage
import IdentityStorageMemory

/// The opened backend: Acme's own client store, and the memory backend's stores for everything else.
public struct AcmeBackend: IdentityStorageBackend {
    let memory: MemoryIdentityStorage
    /// Held here, not made per call: every `makeStores(clock:)` must see the same data.
    let clients = AcmeClientStore()

    public func makeStores(clock: (any WallClock)?) -> IdentityStores {
        var stores = memory.makeStores(clock: clock)
        stores.clients = clients
        // Acme predates refresh-token families: its grant store keeps the protocol's defaults (a typed `unsupported`
        // error), and it says so; `check` prints those cases as skipped, with the reason.
        stores.grants = GrantStoreBeforeFamilies(base: stores.grants)
        stores.capabilities.remove(.refreshTokenFamilies)
        return stores
    }

    public func schemaVersion() async throws -> Int? { 1 }

    public func close() async {}
}
