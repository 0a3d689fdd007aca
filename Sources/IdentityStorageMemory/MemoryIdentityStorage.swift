import IdentityStorage

/// The in-memory adapter: every store in process memory, with the same semantics as every other
/// adapter (atomic primitives, expiry against the configured clock, cleanup). For unit tests and
/// single-process development; nothing survives the process.
///
/// ```swift
/// let stores = MemoryIdentityStorage().makeStores()
/// try await stores.grants.storeGrant(grant)
/// ```
///
/// One storage is one data set: every set of stores it hands out (``makeStores(clock:)``) sees the same data,
/// as stores over one database would.
public final class MemoryIdentityStorage: IdentityStorageBackend {
    /// Settings of the in-memory adapter.
    public struct Configuration: Sendable {
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock
        /// Sliding expiration of authorization-parameter messages. Default: one hour, as upstream.
        public var messageSlidingExpiration: Duration

        /// Settings with `clock` deciding every expiry and authorization-parameter messages living
        /// `messageSlidingExpiration` after their last use.
        public init(clock: any WallClock = SystemWallClock(), messageSlidingExpiration: Duration = .seconds(3600)) {
            self.clock = clock
            self.messageSlidingExpiration = messageSlidingExpiration
        }
    }

    /// The settings this backend was opened with.
    public let configuration: Configuration
    /// The stores made at init, with the configured clock; other clocks get stores sharing their data.
    package let clients: MemoryClientStore
    package let keyRing = MemoryKeyRingStore()
    package let grants: MemoryPersistedGrantStore
    private let resources: MemoryResourceStore
    private let identityProviders: MemoryIdentityProviderStore
    /// Counts configuration writes, for a `ConfigurationCache`'s polling.
    let configurationChanges = MemoryConfigurationChanges()
    private let signingKeys = MemorySigningKeyStore()
    private let deviceFlow: MemoryDeviceFlowStore
    private let sessions: MemoryServerSideSessionStore
    private let pushedAuthorizationRequests: MemoryPushedAuthorizationRequestStore
    private let backchannelRequests: MemoryBackchannelAuthenticationRequestStore
    private let cache: MemoryDistributedCache

    /// A new, empty data set.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let clock = configuration.clock
        clients = MemoryClientStore(changes: configurationChanges)
        resources = MemoryResourceStore(changes: configurationChanges)
        identityProviders = MemoryIdentityProviderStore(changes: configurationChanges)
        grants = MemoryPersistedGrantStore(clock: clock)
        deviceFlow = MemoryDeviceFlowStore(clock: clock)
        sessions = MemoryServerSideSessionStore(clock: clock)
        pushedAuthorizationRequests = MemoryPushedAuthorizationRequestStore(clock: clock)
        backchannelRequests = MemoryBackchannelAuthenticationRequestStore(clock: clock)
        cache = MemoryDistributedCache(clock: clock)
    }

    /// Every store over this data set. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let clock = clock ?? configuration.clock
        let grants = MemoryPersistedGrantStore(sharingDataWith: self.grants, clock: clock)
        let deviceFlow = MemoryDeviceFlowStore(sharingDataWith: self.deviceFlow, clock: clock)
        let pushed = MemoryPushedAuthorizationRequestStore(sharingDataWith: pushedAuthorizationRequests, clock: clock)
        let backchannel = MemoryBackchannelAuthenticationRequestStore(sharingDataWith: backchannelRequests, clock: clock)
        let cache = MemoryDistributedCache(sharingDataWith: self.cache, clock: clock)
        return IdentityStores(
            clients: clients,
            resources: resources,
            identityProviders: identityProviders,
            signingKeys: signingKeys,
            keyRing: keyRing,
            grants: grants,
            deviceFlow: deviceFlow,
            sessions: MemoryServerSideSessionStore(sharingDataWith: sessions, clock: clock),
            pushedAuthorizationRequests: pushed,
            backchannelRequests: backchannel,
            cache: cache,
            clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration.inSeconds,
            cleanup: MemoryCleanupStore(grants: grants, deviceFlow: deviceFlow, pushedAuthorizationRequests: pushed,
                                        backchannelRequests: backchannel, cache: cache, clock: clock),
            capabilities: [.injectableClock, .refreshTokenFamilies]
        )
    }

    /// Memory has no schema: nil.
    public func schemaVersion() async throws -> Int? { nil }

    /// Nothing to close; the data lives as long as the storage.
    public func close() async {}
}
