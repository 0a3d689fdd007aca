extension IdentityStores {
    /// Stores that each answer ``IdentityStorageError/Code-swift.struct/unsupported``, naming `adapter`, and no
    /// capabilities: the start of an adapter's stores, which then sets the ones it implements.
    ///
    /// This is the way to build ``IdentityStores`` that keeps compiling when a store is added to it: a new store
    /// arrives as a property whose value here is one more store answering `unsupported`, as
    /// `PostgresClient.Configuration.Options()` or `HTTPClient.Configuration()` get a new option with a default. The
    /// memberwise initializers stay source compatible too (a store added later is never one more argument of
    /// theirs), but name every store there is.
    ///
    /// ```swift
    /// var stores = IdentityStores(unimplementedBy: "Acme")
    /// stores.clients = AcmeClientStore(database)
    /// stores.grants = AcmeGrantStore(database)
    /// stores.cache = AcmeCache(database)
    /// stores.useCacheBackedStores(clock: clock)   // replay cache, messages, throttling on `cache`
    /// stores.cleanup = AcmeCleanup(database)
    /// stores.capabilities = [.durable]
    /// ```
    ///
    /// A store left out answers every call with `unsupported`, its message naming `adapter` and the operation:
    /// `"Acme does not implement this store: session(forKey:)"`. The conformance suite fails its cases, so an adapter
    /// author sees at once what is left to write.
    public init(unimplementedBy adapter: String, capabilities: StoreCapabilities = []) {
        self = .unheld("\(adapter) does not implement this store", capabilities: capabilities)
    }

    /// Sets ``replayCache``, ``authorizationParametersMessages`` and ``deviceFlowThrottling`` to the cache-backed
    /// ones over ``cache`` (as ``init(clients:resources:identityProviders:signingKeys:keyRing:grants:deviceFlow:sessions:pushedAuthorizationRequests:backchannelRequests:cache:clock:messageSlidingExpiration:cleanup:capabilities:)``
    /// does), with `clock`. Call it after setting ``cache``.
    ///
    /// - Parameters:
    ///   - clock: The clock the replay cache and throttling judge expiry by.
    ///   - messageSlidingExpiration: How long, in seconds, an authorization-parameter message lives after it was last
    ///     written or read. Default 3600 (one hour, upstream's).
    public mutating func useCacheBackedStores(clock: any WallClock, messageSlidingExpiration: Double = 3600) {
        replayCache = CacheBackedReplayCache(cache: cache, clock: clock)
        authorizationParametersMessages = CacheBackedAuthorizationParametersMessageStore(cache: cache, slidingExpiration: messageSlidingExpiration)
        deviceFlowThrottling = CacheBackedDeviceFlowThrottling(cache: cache, clock: clock)
    }
}
