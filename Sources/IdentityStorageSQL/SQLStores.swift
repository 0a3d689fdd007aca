import IdentityStorage

extension IdentityStores {
    /// Every store over an SQL database, written once: what an SQL adapter's `makeStores` returns. The stores keep
    /// `database` (and its connection threads) alive.
    ///
    /// - Parameters:
    ///   - database: the adapter's connections and dialect.
    ///   - clock: the clock the stores judge expiry and consumption by.
    ///   - messageSlidingExpiration: passed on to `IdentityStores` as it is.
    ///   - capabilities: what the adapter declares it supports, as the conformance suite reads it.
    public static func sql<Database: SQLDatabase>(_ database: Database, clock: any WallClock, messageSlidingExpiration: Double,
                                                   capabilities: StoreCapabilities) -> IdentityStores {
        IdentityStores(
            clients: SQLClientStore(database: database),
            resources: SQLResourceStore(database: database),
            identityProviders: SQLIdentityProviderStore(database: database),
            signingKeys: SQLSigningKeyStore(database: database),
            keyRing: SQLKeyRingStore(database: database),
            grants: SQLPersistedGrantStore(database: database, clock: clock),
            deviceFlow: SQLDeviceFlowStore(database: database),
            sessions: SQLServerSideSessionStore(database: database, clock: clock),
            pushedAuthorizationRequests: SQLPushedAuthorizationRequestStore(database: database),
            backchannelRequests: SQLBackchannelAuthenticationRequestStore(database: database),
            cache: SQLDistributedCache(database: database, clock: clock),
            clock: clock, messageSlidingExpiration: messageSlidingExpiration,
            cleanup: SQLCleanupStore(database: database, clock: clock),
            capabilities: capabilities
        )
    }
}
