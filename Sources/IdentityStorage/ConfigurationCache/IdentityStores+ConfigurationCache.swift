extension IdentityStores {
    /// These stores with their configuration stores (clients, resources, identity providers) read through
    /// `cache`. The cache must listen to the backend that holds them.
    public func cachingConfiguration(in cache: ConfigurationCache) -> IdentityStores {
        var stores = self
        stores.clients = CachingClientStore(backend: clients, cache: cache)
        stores.resources = CachingResourceStore(backend: resources, cache: cache)
        stores.identityProviders = CachingIdentityProviderStore(backend: identityProviders, cache: cache)
        return stores
    }
}
