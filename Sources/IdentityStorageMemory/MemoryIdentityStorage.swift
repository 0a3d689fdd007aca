import IdentityStorage

/// The in-memory adapter: every store in process memory, with the same semantics as every other
/// adapter (atomic primitives, expiry against the configured clock, cleanup). For unit tests and
/// single-process development; nothing survives the process.
///
/// ```swift
/// let stores = MemoryIdentityStorage().makeStores()
/// try await stores.grants.storeGrant(grant)
/// ```
public struct MemoryIdentityStorage: Sendable {
    /// Settings of the in-memory adapter.
    public struct Configuration: Sendable {
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock
        /// Sliding expiration of authorization-parameter messages, in seconds. Default: 3600, as upstream.
        public var messageSlidingExpiration: Double

        public init(clock: any WallClock = SystemWallClock(), messageSlidingExpiration: Double = 3600) {
            self.clock = clock
            self.messageSlidingExpiration = messageSlidingExpiration
        }
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// A new, empty set of stores. Each call returns independent stores.
    public func makeStores() -> IdentityStores {
        let clock = configuration.clock
        let grants = MemoryPersistedGrantStore(clock: clock)
        let deviceFlow = MemoryDeviceFlowStore(clock: clock)
        let sessions = MemoryServerSideSessionStore(clock: clock)
        let pushed = MemoryPushedAuthorizationRequestStore(clock: clock)
        let backchannel = MemoryBackchannelAuthenticationRequestStore(clock: clock)
        let cache = MemoryDistributedCache(clock: clock)
        return IdentityStores(
            clients: MemoryClientStore(),
            resources: MemoryResourceStore(),
            identityProviders: MemoryIdentityProviderStore(),
            signingKeys: MemorySigningKeyStore(),
            keyRing: MemoryKeyRingStore(),
            grants: grants,
            deviceFlow: deviceFlow,
            sessions: sessions,
            pushedAuthorizationRequests: pushed,
            backchannelRequests: backchannel,
            cache: cache,
            clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration,
            cleanup: MemoryCleanupStore(grants: grants, deviceFlow: deviceFlow, pushedAuthorizationRequests: pushed,
                                        backchannelRequests: backchannel, cache: cache, clock: clock),
            capabilities: [.injectableClock]
        )
    }

    /// Test hook: damages stored data of `stores` (made by this adapter) behind their back (see ``StoredDataCorruption``).
    @_spi(Testing)
    public static func corrupt(_ corruption: StoredDataCorruption, in stores: IdentityStores) {
        switch corruption {
        case .clientRefreshTokenUsage(let clientId), .clientAccessTokenType(let clientId):
            (stores.clients as? MemoryClientStore)?.corrupt(clientId: clientId)
        case .keyRingElement(let id):
            (stores.keyRing as? MemoryKeyRingStore)?.corrupt(elementId: id)
        case .grantData(let key):
            (stores.grants as? MemoryPersistedGrantStore)?.corrupt(key: key)
        }
    }
}
