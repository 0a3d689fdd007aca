#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import IdentityStorageHummingbird
import ServerTestSupport

/// Our driver over `backend`'s shared store, under a key prefix of its own: what the frameworks' own tests, ported
/// into this target, use where they make a `MemoryPersistDriver()`. Nil when the backend's server does not answer.
func identityStoragePersist(_ backend: TestBackend, test: String = #function) async throws -> IdentityStoragePersistDriver? {
    guard let store = try await sharedStores.store(backend, test: test) else { return nil }
    return IdentityStoragePersistDriver(cache: store.makeStores().cache, keyPrefix: uniqueName("upstream") + ":")
}
#endif  // Hummingbird
