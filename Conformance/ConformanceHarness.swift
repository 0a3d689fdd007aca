import IdentityStorage

/// What a backend's test target (or `idstore check`) provides to run the suite: a way to get the
/// stores for one case. Modelled on swift-configuration's ConfigurationTesting: one line per provider.
public protocol ConformanceHarness: Sendable {
    /// A short name for messages, e.g. `"memory"`, `"sqlite-file"`.
    var backendName: String { get }

    /// Stores for one case, evaluating expiry against `clock` where the backend supports it.
    /// Cases isolate themselves by key prefixes, so a harness may return stores over one shared database.
    func makeStores(clock: ManualWallClock) async throws -> IdentityStores

    /// Called after the case with the stores it used (close connections, delete files). Default: nothing.
    func release(_ stores: IdentityStores) async throws

    /// Damages stored data behind the stores' back (raw SQL, raw Redis commands, the in-memory
    /// adapter's test hook), for the corrupted-data cases: reads must then fail with
    /// ``IdentityStorageError/Code-swift.struct/corruptedData`` and leave other data readable.
    func corrupt(_ corruption: StoredDataCorruption, in stores: IdentityStores) async throws
}

extension ConformanceHarness {
    public func release(_ stores: IdentityStores) async throws {}
}
