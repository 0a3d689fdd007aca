import IdentityStorage

extension IdentityStores {
    /// Every store over an SQL database: the generic stores of `Stores/` (one `SQL<Store>.swift` each), which
    /// every SQL adapter's `makeStores` returns. The stores keep `database` (and its connection threads) alive.
    package static func sql<Database: SQLDatabase>(_ database: Database, clock: any WallClock, messageSlidingExpiration: Double,
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
