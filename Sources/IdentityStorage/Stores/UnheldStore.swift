import Foundation

/// Every store protocol, each operation failing with ``IdentityStorageError/Code-swift.struct/unsupported``: what a
/// backend that holds only some parts of a deployment (a configuration document, a key directory) puts in the
/// places of the others. A ``Deployment`` never hands them out: it takes each part from the backend that holds it.
public struct UnheldStore: Sendable {
    /// What holds this store's part instead, for the message: `"the file: store holds configuration only"`. The message
    /// of the error goes on with the operation refused: `"…configuration only: grant(forKey:)"`.
    public let reason: String

    /// Stores that refuse every operation, naming `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// Throws `unsupported`, the reason followed by the operation refused, so the message says which store is missing.
    func refuse<T>(_ operation: String = #function) throws -> T {
        throw IdentityStorageError(.unsupported, "\(reason): \(operation)")
    }
}

extension IdentityStores {
    /// Stores that all refuse (see ``UnheldStore``); a partial backend replaces those of the parts it holds.
    public static func unheld(_ reason: String, capabilities: StoreCapabilities) -> IdentityStores {
        let store = UnheldStore(reason)
        return IdentityStores(clients: store, resources: store, identityProviders: store, signingKeys: store, keyRing: store, grants: store,
                              deviceFlow: store, sessions: store, pushedAuthorizationRequests: store, backchannelRequests: store,
                              cache: store, replayCache: CacheBackedReplayCache(cache: store, clock: SystemWallClock()),
                              authorizationParametersMessages: CacheBackedAuthorizationParametersMessageStore(cache: store, slidingExpiration: 3600),
                              deviceFlowThrottling: CacheBackedDeviceFlowThrottling(cache: store, clock: SystemWallClock()),
                              cleanup: store, capabilities: capabilities)
    }
}

extension UnheldStore: ClientStore {
    public func client(withId clientId: String) async throws -> Client? { try refuse() }
    public func saveClient(_ client: Client) async throws { try refuse() as Void }
    public func deleteClient(withId clientId: String) async throws -> Bool { try refuse() }
    public func listClients(after cursor: String?, limit: Int) async throws -> ClientPage { try refuse() }
    public func isOriginAllowed(_ origin: String) async throws -> Bool { try refuse() }
}

extension UnheldStore: ResourceStore {
    public func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] { try refuse() }
    public func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] { try refuse() }
    public func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] { try refuse() }
    public func apiResources(withNames names: [String]) async throws -> [ApiResource] { try refuse() }
    public func allResources() async throws -> Resources { try refuse() }
    public func saveIdentityResource(_ resource: IdentityResource) async throws { try refuse() as Void }
    public func saveApiScope(_ scope: ApiScope) async throws { try refuse() as Void }
    public func saveApiResource(_ resource: ApiResource) async throws { try refuse() as Void }
    public func deleteIdentityResource(named name: String) async throws -> Bool { try refuse() }
    public func deleteApiScope(named name: String) async throws -> Bool { try refuse() }
    public func deleteApiResource(named name: String) async throws -> Bool { try refuse() }
}

extension UnheldStore: IdentityProviderStore {
    public func allSchemeNames() async throws -> [IdentityProviderName] { try refuse() }
    public func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? { try refuse() }
    public func saveIdentityProvider(_ provider: IdentityProvider) async throws { try refuse() as Void }
    public func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool { try refuse() }
}

extension UnheldStore: SigningKeyStore {
    public func loadKeys() async throws -> [SerializedKey] { try refuse() }
    public func storeKey(_ key: SerializedKey) async throws { try refuse() as Void }
    public func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool { try refuse() }
    public func deleteKey(withId id: String) async throws -> Bool { try refuse() }
}

extension UnheldStore: KeyRingStore {
    public func allElements() async throws -> [KeyRingElement] { try refuse() }
    public func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement { try refuse() }
    public func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? { try refuse() }
    public func deleteElements(withIds ids: [Int64]) async throws -> Int { try refuse() }
}

extension UnheldStore: PersistedGrantStore {
    public func storeGrant(_ grant: PersistedGrant) async throws { try refuse() as Void }
    public func grant(forKey key: String) async throws -> PersistedGrant? { try refuse() }
    public func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] { try refuse() }
    public func removeGrant(forKey key: String) async throws -> Bool { try refuse() }
    public func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int { try refuse() }
    public func takeGrant(forKey key: String) async throws -> PersistedGrant? { try refuse() }
    public func consumeGrant(forKey key: String) async throws -> PersistedGrant? { try refuse() }
    public func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation {
        try refuse()
    }
    public func removeFamily(_ familyId: String) async throws -> Int { try refuse() }
}

extension UnheldStore: DeviceFlowStore {
    public func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws { try refuse() as Void }
    public func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? { try refuse() }
    public func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? { try refuse() }
    public func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool { try refuse() }
    public func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool { try refuse() }
    public func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? { try refuse() }
}

extension UnheldStore: ServerSideSessionStore {
    public func createSession(_ session: ServerSideSession) async throws { try refuse() as Void }
    public func session(forKey key: String) async throws -> ServerSideSession? { try refuse() }
    public func updateSession(_ session: ServerSideSession) async throws -> Bool { try refuse() }
    public func deleteSession(forKey key: String) async throws -> Bool { try refuse() }
    public func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] { try refuse() }
    public func deleteSessions(matching filter: SessionFilter) async throws -> Int { try refuse() }
    public func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] { try refuse() }
    public func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> { try refuse() }
}

extension UnheldStore: PushedAuthorizationRequestStore {
    public func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws { try refuse() as Void }
    public func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? { try refuse() }
    public func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool { try refuse() }
    public func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? { try refuse() }
}

extension UnheldStore: BackchannelAuthenticationRequestStore {
    public func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws { try refuse() as Void }
    public func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? { try refuse() }
    public func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] { try refuse() }
    public func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool {
        try refuse()
    }
    public func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool { try refuse() }
    public func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? { try refuse() }
}

extension UnheldStore: DistributedCache {
    public func get(_ key: String) async throws -> [UInt8]? { try refuse() }
    public func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws { try refuse() as Void }
    public func refresh(_ key: String) async throws { try refuse() as Void }
    public func remove(_ key: String) async throws -> Bool { try refuse() }
    public func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool { try refuse() }
    public func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? { try refuse() }
}

extension UnheldStore: CleanupStore {
    public func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] { try refuse() }
    public func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] { try refuse() }
    public func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] { try refuse() }
    public func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int { try refuse() }
    public func removeExpiredBackchannelRequests(limit: Int) async throws -> Int { try refuse() }
    public func removeExpiredCacheEntries(limit: Int) async throws -> Int { try refuse() }
}
