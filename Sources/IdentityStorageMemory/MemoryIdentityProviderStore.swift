import IdentityStorage

/// Identity providers in memory, keyed byte-exactly by scheme.
public final class MemoryIdentityProviderStore: IdentityProviderStore {
    private let providers: MemoryTable<[ExactString: IdentityProvider]>

    /// Counts this store's writes for a configuration cache's polling.
    let changes: MemoryConfigurationChanges

    /// An empty store that counts its writes in `changes`, for a configuration cache's polling.
    public init(changes: MemoryConfigurationChanges = MemoryConfigurationChanges()) {
        self.changes = changes
        providers = MemoryTable([:])
    }

    public func allSchemeNames() async throws -> [IdentityProviderName] {
        providers.withLock { providers in
            providers.keys.sorted().map { key in
                let provider = providers[key]!
                return IdentityProviderName(scheme: provider.scheme, displayName: provider.displayName, enabled: provider.enabled)
            }
        }
    }

    public func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try FieldValidation.key(scheme, "scheme")
        return providers.withLock { $0[ExactString(scheme)] }
    }

    public func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        defer { changes.record() }
        providers.withLock { $0[ExactString(provider.scheme)] = provider }
    }

    @discardableResult
    public func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        defer { changes.record() }
        return providers.withLock { $0.removeValue(forKey: ExactString(scheme)) != nil }
    }
}
