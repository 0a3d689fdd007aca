import Foundation

extension CleanupStore {
    /// This cleanup with the given parts done elsewhere: by the store that replaced one of an ``IdentityStores``
    /// (a grant store of your own adopts ``GrantCleanup``), or by another backend's cleanup. Parts left nil stay
    /// with this one.
    ///
    /// ```swift
    /// var stores = base.makeStores(clock: clock)
    /// stores.grants = acmeGrants
    /// stores.cleanup = stores.cleanup.replacing(grants: acmeGrants)
    /// ```
    public func replacing(grants: (any GrantCleanup)? = nil, deviceAuthorizations: (any DeviceAuthorizationCleanup)? = nil,
                          pushedAuthorizationRequests: (any PushedAuthorizationRequestCleanup)? = nil,
                          backchannelRequests: (any BackchannelRequestCleanup)? = nil,
                          cacheEntries: (any CacheEntryCleanup)? = nil) -> any CleanupStore {
        let base = (self as? ComposedCleanupStore) ?? ComposedCleanupStore(self)
        return ComposedCleanupStore(grants: grants ?? base.grants, deviceAuthorizations: deviceAuthorizations ?? base.deviceAuthorizations,
                                    pushedAuthorizationRequests: pushedAuthorizationRequests ?? base.pushedAuthorizationRequests,
                                    backchannelRequests: backchannelRequests ?? base.backchannelRequests,
                                    cacheEntries: cacheEntries ?? base.cacheEntries)
    }
}

/// A cleanup whose parts come from different stores (see ``CleanupStore/replacing(grants:deviceAuthorizations:pushedAuthorizationRequests:backchannelRequests:cacheEntries:)``).
struct ComposedCleanupStore: CleanupStore {
    let grants: any GrantCleanup
    let deviceAuthorizations: any DeviceAuthorizationCleanup
    let pushedAuthorizationRequests: any PushedAuthorizationRequestCleanup
    let backchannelRequests: any BackchannelRequestCleanup
    let cacheEntries: any CacheEntryCleanup

    init(grants: any GrantCleanup, deviceAuthorizations: any DeviceAuthorizationCleanup,
         pushedAuthorizationRequests: any PushedAuthorizationRequestCleanup, backchannelRequests: any BackchannelRequestCleanup,
         cacheEntries: any CacheEntryCleanup) {
        self.grants = grants
        self.deviceAuthorizations = deviceAuthorizations
        self.pushedAuthorizationRequests = pushedAuthorizationRequests
        self.backchannelRequests = backchannelRequests
        self.cacheEntries = cacheEntries
    }

    init(_ whole: any CleanupStore) {
        self.init(grants: whole, deviceAuthorizations: whole, pushedAuthorizationRequests: whole, backchannelRequests: whole, cacheEntries: whole)
    }

    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try await grants.removeExpiredGrants(limit: limit)
    }

    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try await grants.removeConsumedGrants(consumedBefore: threshold, limit: limit)
    }

    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try await deviceAuthorizations.removeExpiredDeviceAuthorizations(limit: limit)
    }

    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await pushedAuthorizationRequests.removeExpiredPushedAuthorizationRequests(limit: limit)
    }

    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await backchannelRequests.removeExpiredBackchannelRequests(limit: limit)
    }

    func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try await cacheEntries.removeExpiredCacheEntries(limit: limit)
    }
}
