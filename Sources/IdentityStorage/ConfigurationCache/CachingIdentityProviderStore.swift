/// An ``IdentityProviderStore`` whose reads a ``ConfigurationCache`` answers (unknown schemes too).
struct CachingIdentityProviderStore: IdentityProviderStore {
    let backend: any IdentityProviderStore
    let cache: ConfigurationCache

    func allSchemeNames() async throws -> [IdentityProviderName] {
        try await cache.value(.schemeNames) { try await backend.allSchemeNames() }
    }

    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try await cache.value(.identityProvider(ExactString(scheme))) { try await backend.identityProvider(forScheme: scheme) }
    }

    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try await cache.write { try await backend.saveIdentityProvider(provider) }
    }

    @discardableResult
    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try await cache.write { try await backend.deleteIdentityProvider(forScheme: scheme) }
    }
}
