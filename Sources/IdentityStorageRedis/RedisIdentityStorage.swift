import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import Logging

/// The Redis adapter: every store on hiredis, against a standalone server or a Redis Cluster.
///
/// ```swift
/// let storage = try await RedisIdentityStorage.open(.init(url: try StoreURL(parsing: "redis://127.0.0.1:6379/0")))   // or redis-cluster://
/// let stores = storage.makeStores()
/// ```
///
/// Connections are hiredis contexts in a `BlockingConnectionPool` per node (a thread per connection, off
/// Swift's cooperative pool). Every multi-key write is one Lua script; expiry is judged against the configured
/// clock, passed to the scripts as "now". The key layout, indexes, expiry rules and what is weaker in cluster
/// mode are written down in ``RedisDataModel``.
public final class RedisIdentityStorage: ConfigurableBackend {
    package let client: RedisClient
    package let keys: RedisKeyspace
    /// What every connection needs to open (holds the password; never printed).
    package let settings: RedisConnectionSettings
    /// The settings this backend was opened with.
    public let configuration: Configuration

    private init(client: RedisClient, keys: RedisKeyspace, settings: RedisConnectionSettings, configuration: Configuration) {
        self.client = client
        self.keys = keys
        self.settings = settings
        self.configuration = configuration
    }

    /// Connects (standalone: one connection; cluster: reads the slot map) and checks the data-model version.
    /// Throws `unavailable` when no server answers, `permissionDenied` when the credentials or the ACL refuse the account.
    public static func open(_ configuration: Configuration) async throws -> RedisIdentityStorage {
        try configuration.validate()
        let settings = RedisConnectionSettings(user: configuration.user, password: configuration.password, database: configuration.database,
                                               connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout,
                                               clientName: configuration.clientName)
        let pool = RedisPool.Configuration(size: configuration.poolSizePerNode, acquireTimeout: configuration.acquireTimeout,
                                           healthCheckInterval: configuration.healthCheckInterval, threadName: "redis",
                                           telemetry: PoolTelemetry(configuration.observability, backend: "redis", pool: "redis"))
        let client = try await RedisClient.connect(endpoints: configuration.endpoints.map { RedisEndpoint(host: $0.host, port: $0.port) },
                                                   cluster: configuration.mode == .cluster, settings: settings, pool: pool)
        let storage = RedisIdentityStorage(client: client, keys: RedisKeyspace(prefix: configuration.keyPrefix), settings: settings,
                                           configuration: configuration)
        do {
            try await storage.checkVersion()
        } catch {
            await client.shutdown()
            throw error
        }
        return storage
    }

    /// Every store. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        makeStores(clock: clock, keys: keys)
    }

    func makeStores(clock: (any WallClock)?, keys: RedisKeyspace) -> IdentityStores {
        let context = RedisStoreContext(client: client, keys: keys, clock: clock ?? configuration.clock,
                                        cacheGraceMilliseconds: configuration.cacheExpiryGracePeriod.map { Int64(saturating: ($0.inSeconds * 1000).rounded()) } ?? -1)
        let cache = RedisDistributedCache(context: context)
        return IdentityStores(
            clients: RedisClientStore(context: context),
            resources: RedisResourceStore(context: context),
            identityProviders: RedisIdentityProviderStore(context: context),
            signingKeys: RedisSigningKeyStore(context: context),
            keyRing: RedisKeyRingStore(context: context),
            grants: RedisPersistedGrantStore(context: context),
            deviceFlow: RedisDeviceFlowStore(context: context),
            sessions: RedisServerSideSessionStore(context: context),
            pushedAuthorizationRequests: RedisPushedAuthorizationRequestStore(context: context),
            backchannelRequests: RedisBackchannelAuthenticationRequestStore(context: context),
            cache: cache,
            clock: context.clock, messageSlidingExpiration: configuration.messageSlidingExpiration.inSeconds,
            cleanup: RedisCleanupStore(context: context),
            capabilities: [.injectableClock, .durable, .refreshTokenFamilies]
        )
    }

    /// Redis has no schema; its data-model version is checked at open. Nil.
    public func schemaVersion() async throws -> Int? { nil }

    /// Finishes queued calls and closes every connection.
    public func close() async {
        await client.shutdown()
    }

    /// Whether this storage talks to a Redis Cluster.
    public var isCluster: Bool { client.isCluster }

    private func checkVersion() async throws {
        let key = keys.meta.key("version")
        let stored = try await client.run(RedisCommand([RedisValue.bytes("SET"), key, RedisValue.bytes(RedisDataModel.version), RedisValue.bytes("NX"),
                                                        RedisValue.bytes("GET")], slot: keys.meta.slot), "checking the data-model version")
        guard let bytes = try stored.optionalBytes() else { return }
        let text = String(decoding: bytes, as: UTF8.self)
        if let version = Int(text), version < RedisDataModel.version {
            // Older data reads as it is; marking it keeps libraries that know only its version out from now on.
            _ = try await client.run(RedisCommand([RedisValue.bytes("SET"), key, RedisValue.bytes(RedisDataModel.version)], slot: keys.meta.slot),
                                     "upgrading the data-model version")
            return
        }
        guard let version = Int(text), version <= RedisDataModel.version else {
            configuration.observability.logger.info("data model is newer than this library",
                                                     metadata: ["backend": "redis", "version": .string(text),
                                                                "known": .stringConvertible(RedisDataModel.version)])
            throw IdentityStorageError(.schemaMismatch,
                                       "the Redis data under prefix '\(configuration.keyPrefix)' has data-model version '\(text)'; this library reads version \(RedisDataModel.version)")
        }
    }
}

/// What every store of one storage shares.
struct RedisStoreContext: Sendable {
    let client: RedisClient
    let keys: RedisKeyspace
    let clock: any WallClock
    /// The safety TTL's margin; -1 for no safety TTL.
    let cacheGraceMilliseconds: Int64
}
