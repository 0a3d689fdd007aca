import Foundation

/// A store of any kind, measured: every operation goes through ``StoreInstrument/measure(_:_:)`` under the
/// method's name, then to `base`. One conformance per store protocol, in `InstrumentedStore+<Part>.swift`.
struct InstrumentedStore<Base: Sendable>: Sendable {
    let base: Base
    let instrument: StoreInstrument

    @inline(__always)
    func measure<T>(_ operation: String, _ body: (Base) async throws -> T) async throws -> T {
        try await instrument.measure(operation) { try await body(base) }
    }
}

extension IdentityStores {
    /// These stores, each operation timed, traced and logged as ``StoreObservability`` says, under the backend
    /// `target` names. ``OpenedStore`` and ``Deployment`` hand out instrumented stores; call this yourself only for
    /// a backend you opened from its configuration. Costs nothing measurable with the defaults (no-op metrics and
    /// tracing, a discarding logger).
    public func instrumented(for target: StoreTelemetryTarget, observability: StoreObservability) -> IdentityStores {
        func wrap<Base>(_ base: Base, _ store: String) -> InstrumentedStore<Base> {
            InstrumentedStore(base: base, instrument: StoreInstrument(store: store, target: target, observability: observability))
        }
        return IdentityStores(
            clients: wrap(clients, "clients"), resources: wrap(resources, "resources"),
            identityProviders: wrap(identityProviders, "identityProviders"), signingKeys: wrap(signingKeys, "signingKeys"),
            keyRing: wrap(keyRing, "keyRing"), grants: wrap(grants, "grants"), deviceFlow: wrap(deviceFlow, "deviceFlow"),
            sessions: wrap(sessions, "sessions"), pushedAuthorizationRequests: wrap(pushedAuthorizationRequests, "pushedAuthorizationRequests"),
            backchannelRequests: wrap(backchannelRequests, "backchannelRequests"), cache: wrap(cache, "cache"),
            replayCache: wrap(replayCache, "replayCache"),
            authorizationParametersMessages: wrap(authorizationParametersMessages, "authorizationParametersMessages"),
            deviceFlowThrottling: wrap(deviceFlowThrottling, "deviceFlowThrottling"), cleanup: wrap(cleanup, "cleanup"),
            capabilities: capabilities)
    }
}

extension InstrumentedStore: ClientStore where Base == any ClientStore {
    func client(withId clientId: String) async throws -> Client? { try await measure("client") { try await $0.client(withId: clientId) } }
    func saveClient(_ client: Client) async throws { try await measure("saveClient") { try await $0.saveClient(client) } }
    func deleteClient(withId clientId: String) async throws -> Bool { try await measure("deleteClient") { try await $0.deleteClient(withId: clientId) } }
    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try await measure("listClients") { try await $0.listClients(after: cursor, limit: limit) }
    }
    func isOriginAllowed(_ origin: String) async throws -> Bool { try await measure("isOriginAllowed") { try await $0.isOriginAllowed(origin) } }
}

extension InstrumentedStore: ResourceStore where Base == any ResourceStore {
    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await measure("identityResources") { try await $0.identityResources(withScopeNames: scopeNames) }
    }
    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await measure("apiScopes") { try await $0.apiScopes(withNames: scopeNames) }
    }
    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        try await measure("apiResourcesByScope") { try await $0.apiResources(withScopeNames: scopeNames) }
    }
    func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await measure("apiResourcesByName") { try await $0.apiResources(withNames: names) }
    }
    func allResources() async throws -> Resources { try await measure("allResources") { try await $0.allResources() } }
    func saveIdentityResource(_ resource: IdentityResource) async throws {
        try await measure("saveIdentityResource") { try await $0.saveIdentityResource(resource) }
    }
    func saveApiScope(_ scope: ApiScope) async throws { try await measure("saveApiScope") { try await $0.saveApiScope(scope) } }
    func saveApiResource(_ resource: ApiResource) async throws { try await measure("saveApiResource") { try await $0.saveApiResource(resource) } }
    func deleteIdentityResource(named name: String) async throws -> Bool {
        try await measure("deleteIdentityResource") { try await $0.deleteIdentityResource(named: name) }
    }
    func deleteApiScope(named name: String) async throws -> Bool { try await measure("deleteApiScope") { try await $0.deleteApiScope(named: name) } }
    func deleteApiResource(named name: String) async throws -> Bool {
        try await measure("deleteApiResource") { try await $0.deleteApiResource(named: name) }
    }
}

extension InstrumentedStore: IdentityProviderStore where Base == any IdentityProviderStore {
    func allSchemeNames() async throws -> [IdentityProviderName] { try await measure("allSchemeNames") { try await $0.allSchemeNames() } }
    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try await measure("identityProvider") { try await $0.identityProvider(forScheme: scheme) }
    }
    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try await measure("saveIdentityProvider") { try await $0.saveIdentityProvider(provider) }
    }
    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try await measure("deleteIdentityProvider") { try await $0.deleteIdentityProvider(forScheme: scheme) }
    }
}

extension InstrumentedStore: SigningKeyStore where Base == any SigningKeyStore {
    func loadKeys() async throws -> [SerializedKey] { try await measure("loadKeys") { try await $0.loadKeys() } }
    func storeKey(_ key: SerializedKey) async throws { try await measure("storeKey") { try await $0.storeKey(key) } }
    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try await measure("storeKeyIfNoneNewer") { try await $0.storeKey(key, ifNoKeyCreatedAfter: threshold) }
    }
    func deleteKey(withId id: String) async throws -> Bool { try await measure("deleteKey") { try await $0.deleteKey(withId: id) } }
}

extension InstrumentedStore: KeyRingStore where Base == any KeyRingStore {
    func allElements() async throws -> [KeyRingElement] { try await measure("allElements") { try await $0.allElements() } }
    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try await measure("storeElement") { try await $0.storeElement(xml: xml, friendlyName: friendlyName) }
    }
    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try await measure("storeElementIfLatest") { try await $0.storeElement(xml: xml, friendlyName: friendlyName, ifLatestIdIs: expectedLatestId) }
    }
    func deleteElements(withIds ids: [Int64]) async throws -> Int { try await measure("deleteElements") { try await $0.deleteElements(withIds: ids) } }
}
