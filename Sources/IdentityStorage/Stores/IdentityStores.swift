/// Every store of one backend, as a server wires them up; what an adapter's `open` returns
/// and what the conformance suite tests.
public struct IdentityStores: Sendable {
    /// Clients and their CORS origins.
    public var clients: any ClientStore
    /// Identity resources, API scopes and API resources.
    public var resources: any ResourceStore
    /// Dynamic external identity providers.
    public var identityProviders: any IdentityProviderStore
    /// Signing keys.
    public var signingKeys: any SigningKeyStore
    /// The data-protection key ring.
    public var keyRing: any KeyRingStore
    /// Persisted grants: codes, refresh and reference tokens, consents, with refresh-token families.
    public var grants: any PersistedGrantStore
    /// Device-flow authorizations.
    public var deviceFlow: any DeviceFlowStore
    /// Server-side sessions.
    public var sessions: any ServerSideSessionStore
    /// Pushed authorization requests.
    public var pushedAuthorizationRequests: any PushedAuthorizationRequestStore
    /// CIBA requests.
    public var backchannelRequests: any BackchannelAuthenticationRequestStore
    /// The distributed cache.
    public var cache: any DistributedCache
    /// The replay cache, usually ``CacheBackedReplayCache`` over ``cache``.
    public var replayCache: any ReplayCache
    /// Authorization-parameter messages, usually ``CacheBackedAuthorizationParametersMessageStore`` over ``cache``.
    public var authorizationParametersMessages: any AuthorizationParametersMessageStore
    /// Device-flow throttling, usually ``CacheBackedDeviceFlowThrottling`` over ``cache``.
    public var deviceFlowThrottling: any DeviceFlowThrottling
    /// Housekeeping of the stores above. Replacing one of them (say ``grants``) with a store of other data: give
    /// its part of the cleanup with ``CleanupStore/replacing(grants:deviceAuthorizations:pushedAuthorizationRequests:backchannelRequests:cacheEntries:)``.
    public var cleanup: any CleanupStore
    /// What this backend can and cannot do.
    public var capabilities: StoreCapabilities

    /// The given stores, cleanup and capabilities, as they are.
    public init(clients: any ClientStore, resources: any ResourceStore, identityProviders: any IdentityProviderStore,
                signingKeys: any SigningKeyStore, keyRing: any KeyRingStore, grants: any PersistedGrantStore,
                deviceFlow: any DeviceFlowStore, sessions: any ServerSideSessionStore,
                pushedAuthorizationRequests: any PushedAuthorizationRequestStore,
                backchannelRequests: any BackchannelAuthenticationRequestStore, cache: any DistributedCache,
                replayCache: any ReplayCache, authorizationParametersMessages: any AuthorizationParametersMessageStore,
                deviceFlowThrottling: any DeviceFlowThrottling, cleanup: any CleanupStore, capabilities: StoreCapabilities) {
        self.clients = clients
        self.resources = resources
        self.identityProviders = identityProviders
        self.signingKeys = signingKeys
        self.keyRing = keyRing
        self.grants = grants
        self.deviceFlow = deviceFlow
        self.sessions = sessions
        self.pushedAuthorizationRequests = pushedAuthorizationRequests
        self.backchannelRequests = backchannelRequests
        self.cache = cache
        self.replayCache = replayCache
        self.authorizationParametersMessages = authorizationParametersMessages
        self.deviceFlowThrottling = deviceFlowThrottling
        self.cleanup = cleanup
        self.capabilities = capabilities
    }
}

extension IdentityStores {
    /// Every store from an adapter's own ones: the replay cache, the authorization-parameter message store and
    /// device-flow throttling are the cache-backed ones, built on `cache` with `clock`.
    ///
    /// - Parameters:
    ///   - clients: The adapter's client store.
    ///   - resources: The adapter's resource store.
    ///   - identityProviders: The adapter's identity-provider store.
    ///   - signingKeys: The adapter's signing-key store.
    ///   - keyRing: The adapter's data-protection key-ring store.
    ///   - grants: The adapter's persisted-grant store.
    ///   - deviceFlow: The adapter's device-flow store.
    ///   - sessions: The adapter's server-side session store.
    ///   - pushedAuthorizationRequests: The adapter's pushed-authorization-request store.
    ///   - backchannelRequests: The adapter's CIBA request store.
    ///   - cache: The adapter's distributed cache, which the three cache-backed stores are built on.
    ///   - clock: The clock the cache-backed replay cache and device-flow throttling read.
    ///   - messageSlidingExpiration: How long, in seconds, an authorization-parameter message lives after it
    ///     was last written or read: the sliding expiration of ``CacheBackedAuthorizationParametersMessageStore``.
    ///     Default 3600 (one hour, upstream's), as the `messageSlidingExpiration` of every built-in adapter's
    ///     configuration (a `Duration` there).
    ///   - cleanup: The adapter's cleanup, one part per kind of expiring item.
    ///   - capabilities: What the adapter's stores can do, which the conformance suite reads to skip what they cannot.
    public init(clients: any ClientStore, resources: any ResourceStore, identityProviders: any IdentityProviderStore,
                signingKeys: any SigningKeyStore, keyRing: any KeyRingStore, grants: any PersistedGrantStore,
                deviceFlow: any DeviceFlowStore, sessions: any ServerSideSessionStore,
                pushedAuthorizationRequests: any PushedAuthorizationRequestStore,
                backchannelRequests: any BackchannelAuthenticationRequestStore, cache: any DistributedCache,
                clock: any WallClock, messageSlidingExpiration: Double = 3600, cleanup: any CleanupStore,
                capabilities: StoreCapabilities) {
        self.init(clients: clients, resources: resources, identityProviders: identityProviders, signingKeys: signingKeys,
                  keyRing: keyRing, grants: grants, deviceFlow: deviceFlow, sessions: sessions,
                  pushedAuthorizationRequests: pushedAuthorizationRequests, backchannelRequests: backchannelRequests, cache: cache,
                  replayCache: CacheBackedReplayCache(cache: cache, clock: clock),
                  authorizationParametersMessages: CacheBackedAuthorizationParametersMessageStore(
                      cache: cache, slidingExpiration: messageSlidingExpiration),
                  deviceFlowThrottling: CacheBackedDeviceFlowThrottling(cache: cache, clock: clock),
                  cleanup: cleanup, capabilities: capabilities)
    }
}

/// What a backend declares it can do. The conformance suite skips a case whose requirement is
/// missing and prints the reason; a skip of a required case fails CI.
public struct StoreCapabilities: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Expiry is judged against the ``WallClock`` passed in the configuration (otherwise by the server's own time).
    public static let injectableClock = StoreCapabilities(rawValue: 1 << 0)
    /// Data survives closing and reopening the store.
    public static let durable = StoreCapabilities(rawValue: 1 << 1)
    /// The grant store implements refresh-token families: ``PersistedGrantStore/rotateRefreshToken(presented:successor:policy:)``,
    /// ``PersistedGrantStore/removeFamily(_:)`` and ``PersistedGrantFilter/familyId``. An adapter written before them
    /// lacks it (its grant store throws ``IdentityStorageError/Code-swift.struct/unsupported``), and the suite says so.
    public static let refreshTokenFamilies = StoreCapabilities(rawValue: 1 << 10)

    /// A readable name per capability, for skip messages.
    public var names: [String] {
        var names: [String] = []
        if contains(.injectableClock) { names.append("injectable clock") }
        if contains(.durable) { names.append("durable") }
        if contains(.refreshTokenFamilies) { names.append("refresh-token families") }
        return names
    }
}
