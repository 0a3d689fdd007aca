import IdentityStorage

extension IdentityStores {
    /// Every store over an SQL database: the generic stores of `Stores/` (one `SQL<Store>.swift` each), which
    /// every SQL adapter's `makeStores` returns. `owner`, the adapter's storage object, is kept alive by the
    /// stores (it owns the database's threads) and found again by ``sqlOwner(of:over:)``.
    public static func sql<Database: SQLDatabase>(_ database: Database, clock: any WallClock, messageSlidingExpiration: Double,
                                                 capabilities: StoreCapabilities, owner: any AnyObject & Sendable) -> IdentityStores {
        IdentityStores(
            clients: SQLClientStore(database: database),
            resources: SQLResourceStore(database: database),
            identityProviders: SQLIdentityProviderStore(database: database),
            signingKeys: SQLSigningKeyStore(database: database),
            keyRing: SQLKeyRingStore(database: database),
            grants: SQLPersistedGrantStore(database: database, clock: clock, owner: owner),
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

    /// The `owner` that ``sql(_:clock:messageSlidingExpiration:capabilities:owner:)`` was given for `stores`,
    /// when they are SQL stores over a `Database`.
    public static func sqlOwner<Database: SQLDatabase>(of stores: IdentityStores, over database: Database.Type) -> (any AnyObject & Sendable)? {
        (stores.grants as? SQLPersistedGrantStore<Database>)?.owner
    }
}
