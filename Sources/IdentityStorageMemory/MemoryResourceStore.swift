import IdentityStorage

/// Identity resources, API scopes and API resources in memory, keyed byte-exactly by name.
public final class MemoryResourceStore: ResourceStore {
    private struct State {
        var identityResources: [ExactString: IdentityResource] = [:]
        var apiScopes: [ExactString: ApiScope] = [:]
        var apiResources: [ExactString: ApiResource] = [:]
    }

    private let state: MemoryTable<State>

    /// Counts this store's writes for a configuration cache's polling.
    let changes: MemoryConfigurationChanges

    /// An empty store that counts its writes in `changes`, for a configuration cache's polling.
    public init(changes: MemoryConfigurationChanges = MemoryConfigurationChanges()) {
        self.changes = changes
        state = MemoryTable(State())
    }

    public func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        let names = try Self.nameSet(scopeNames)
        return state.withLock { state in names.compactMap { state.identityResources[$0] } }
    }

    public func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        let names = try Self.nameSet(scopeNames)
        return state.withLock { state in names.compactMap { state.apiScopes[$0] } }
    }

    public func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        let names = try Self.nameSet(scopeNames)
        if names.isEmpty { return [] }
        return state.withLock { state in
            state.apiResources.values.filter { resource in resource.scopes.contains { names.contains(ExactString($0)) } }
        }
    }

    public func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        let names = try Self.nameSet(names)
        return state.withLock { state in names.compactMap { state.apiResources[$0] } }
    }

    public func allResources() async throws -> Resources {
        state.withLock { state in
            Resources(identityResources: Array(state.identityResources.values), apiResources: Array(state.apiResources.values),
                      apiScopes: Array(state.apiScopes.values))
        }
    }

    public func saveIdentityResource(_ resource: IdentityResource) async throws {
        try resource.validate()
        defer { changes.record() }
        state.withLock { $0.identityResources[ExactString(resource.name)] = resource }
    }

    public func saveApiScope(_ scope: ApiScope) async throws {
        try scope.validate()
        defer { changes.record() }
        state.withLock { $0.apiScopes[ExactString(scope.name)] = scope }
    }

    public func saveApiResource(_ resource: ApiResource) async throws {
        try resource.validate()
        defer { changes.record() }
        state.withLock { $0.apiResources[ExactString(resource.name)] = resource.atStoragePrecision }
    }

    @discardableResult
    public func deleteIdentityResource(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "identity resource name")
        defer { changes.record() }
        return state.withLock { $0.identityResources.removeValue(forKey: ExactString(name)) != nil }
    }

    @discardableResult
    public func deleteApiScope(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "API scope name")
        defer { changes.record() }
        return state.withLock { $0.apiScopes.removeValue(forKey: ExactString(name)) != nil }
    }

    @discardableResult
    public func deleteApiResource(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "API resource name")
        defer { changes.record() }
        return state.withLock { $0.apiResources.removeValue(forKey: ExactString(name)) != nil }
    }

    private static func nameSet(_ names: [String]) throws(IdentityStorageError) -> Set<ExactString> {
        for name in names { try FieldValidation.key(name, "resource name") }
        return Set(names.map(ExactString.init))
    }
}
