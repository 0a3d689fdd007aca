/// A ``ResourceStore`` whose reads a ``ConfigurationCache`` answers, each query under its names as given.
struct CachingResourceStore: ResourceStore {
    let backend: any ResourceStore
    let cache: ConfigurationCache

    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await cache.value(.identityResources(scopeNames.map(ExactString.init))) { try await backend.identityResources(withScopeNames: scopeNames) }
    }

    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await cache.value(.apiScopes(scopeNames.map(ExactString.init))) { try await backend.apiScopes(withNames: scopeNames) }
    }

    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        try await cache.value(.apiResourcesByScope(scopeNames.map(ExactString.init))) { try await backend.apiResources(withScopeNames: scopeNames) }
    }

    func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await cache.value(.apiResources(names.map(ExactString.init))) { try await backend.apiResources(withNames: names) }
    }

    func allResources() async throws -> Resources {
        try await cache.value(.allResources) { try await backend.allResources() }
    }

    func saveIdentityResource(_ resource: IdentityResource) async throws {
        try await cache.write { try await backend.saveIdentityResource(resource) }
    }

    func saveApiScope(_ scope: ApiScope) async throws {
        try await cache.write { try await backend.saveApiScope(scope) }
    }

    func saveApiResource(_ resource: ApiResource) async throws {
        try await cache.write { try await backend.saveApiResource(resource) }
    }

    @discardableResult
    func deleteIdentityResource(named name: String) async throws -> Bool {
        try await cache.write { try await backend.deleteIdentityResource(named: name) }
    }

    @discardableResult
    func deleteApiScope(named name: String) async throws -> Bool {
        try await cache.write { try await backend.deleteApiScope(named: name) }
    }

    @discardableResult
    func deleteApiResource(named name: String) async throws -> Bool {
        try await cache.write { try await backend.deleteApiResource(named: name) }
    }
}
