import Foundation
import IdentityStorage
import IdentityStorageBlockingPool

/// The Redis adapter: every store on hiredis, against a standalone server or a Redis Cluster.
///
/// ```swift
/// let storage = try await RedisIdentityStorage.open(.init(address: address))   // redis:// or redis-cluster://
/// let stores = storage.makeStores()
/// ```
///
/// Connections are hiredis contexts in a ``BlockingConnectionPool`` per node (a thread per connection, off
/// Swift's cooperative pool). Every multi-key write is one Lua script; expiry is judged against the configured
/// clock, passed to the scripts as "now". The key layout, indexes, expiry rules and what is weaker in cluster
/// mode are written down in ``RedisDataModel``.
public final class RedisIdentityStorage: Sendable {
    /// Settings of the Redis adapter. ``description`` never shows the password.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// A standalone server (or a primary) or a Redis Cluster.
        public enum Mode: Sendable, Hashable {
            case standalone
            case cluster
        }

        public var mode: Mode
        /// The server (standalone) or seed nodes (cluster; any reachable one is enough to read the slot map).
        public var endpoints: [ServerAddress.Endpoint]
        /// ACL user for `AUTH user password`; nil for `AUTH password` (the `default` user).
        public var user: String?
        /// Sent with `AUTH`; never printed, logged or put in an error.
        public var password: String?
        /// Database index (`SELECT`); standalone only, Redis Cluster has only database 0. Default 0.
        public var database: Int = 0
        /// Prefix of every key; must not contain `{`, `}` or NUL. Default `idstore:`.
        public var keyPrefix: String = "idstore:"
        /// Connections (and threads) per node. Default 4.
        public var poolSizePerNode: Int = 4
        /// Seconds to wait for a TCP connection. Default 5.
        public var connectTimeout: TimeInterval = 5
        /// Seconds to wait for a reply before the connection is declared broken (`unavailable`). Default 5.
        public var commandTimeout: TimeInterval = 5
        /// Seconds a call may wait for a free connection (`timeout`). Default 10.
        public var acquireTimeout: TimeInterval = 10
        /// A connection idle longer than this (seconds) is checked with `PING` before use, so connections broken
        /// by a server restart or `CLIENT KILL` are replaced before a call fails on them. Default 1.
        public var healthCheckInterval: TimeInterval = 1
        /// The clock every expiry decision uses (cache entries included). Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Sliding expiration of authorization-parameter messages, in seconds. Default 3600, as upstream.
        public var messageSlidingExpiration: TimeInterval = 3600
        /// How long Redis keeps an expired cache entry before its safety `PEXPIRE` reclaims it, in seconds
        /// (cleanup usually removes it earlier). The safety TTL is the entry's remaining lifetime by ``clock``
        /// plus this, counted in the server's real time: with a clock that runs slower than real time (a test's
        /// manual clock), an entry disappears after that much real time. Nil: no safety TTL, only cleanup removes
        /// expired entries. Default 300.
        public var cacheExpiryGracePeriod: TimeInterval? = 300
        /// `CLIENT SETNAME` of every connection (visible in `CLIENT LIST`); nil for none. Default `identitystorage`.
        public var clientName: String? = "identitystorage"

        public init(mode: Mode = .standalone, endpoints: [ServerAddress.Endpoint]) {
            self.mode = mode
            self.endpoints = endpoints
        }

        /// Settings from a `redis://` or `redis-cluster://` URL: credentials, database index and the query
        /// parameters `key_prefix`, `pool_size`, `connect_timeout`, `command_timeout`, `acquire_timeout` (seconds)
        /// and `client_name`.
        public init(address: ServerAddress) throws(IdentityStorageError) {
            switch address.scheme {
            case "redis": mode = .standalone
            case "redis-cluster": mode = .cluster
            default: throw .invalidArgument("a Redis store needs a redis:// or redis-cluster:// URL, not \(address.scheme)://")
            }
            endpoints = address.endpoints
            user = address.user
            password = address.password
            if let database = address.database, !database.isEmpty {
                guard let index = Int(database), index >= 0 else {
                    throw .invalidArgument("redis URL database '\(database)' is not a database index (0, 1, …)")
                }
                self.database = index
            }
            for (name, value) in address.parameters {
                func seconds() throws(IdentityStorageError) -> TimeInterval {
                    guard let number = TimeInterval(value), number > 0 else {
                        throw .invalidArgument("redis URL parameter \(name)=\(value) is not a positive number of seconds")
                    }
                    return number
                }
                switch name {
                case "key_prefix": keyPrefix = value
                case "pool_size":
                    guard let size = Int(value), size > 0 else { throw .invalidArgument("redis URL parameter pool_size=\(value) is not a positive integer") }
                    poolSizePerNode = size
                case "connect_timeout": connectTimeout = try seconds()
                case "command_timeout": commandTimeout = try seconds()
                case "acquire_timeout": acquireTimeout = try seconds()
                case "client_name": clientName = value.isEmpty ? nil : value
                default:
                    throw .invalidArgument("unknown redis URL parameter '\(name)'; accepted: key_prefix, pool_size, connect_timeout, command_timeout, acquire_timeout, client_name")
                }
            }
        }

        public var description: String {
            let scheme = mode == .cluster ? "redis-cluster" : "redis"
            var text = "\(scheme)://"
            if user != nil || password != nil { text += (user ?? "") + (password != nil ? ":***" : "") + "@" }
            text += endpoints.map(\.description).joined(separator: ",")
            if mode == .standalone { text += "/\(database)" }
            return text + " (key prefix '\(keyPrefix)', \(poolSizePerNode) connections per node)"
        }

        public var debugDescription: String { description }

        public var customMirror: Mirror { Mirror(self, children: ["description": description]) }

        func validate() throws(IdentityStorageError) {
            guard !endpoints.isEmpty else { throw .invalidArgument("a Redis store needs at least one host") }
            if mode == .standalone, endpoints.count > 1 {
                throw .invalidArgument("a standalone Redis store takes one host; use redis-cluster:// for a cluster")
            }
            if mode == .cluster, database != 0 {
                throw .invalidArgument("Redis Cluster has only database 0")
            }
            if keyPrefix.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") || $0 == 0 }) {
                throw .invalidArgument("the Redis key prefix must not contain '{', '}' or NUL (the store's hash tags follow it)")
            }
            if keyPrefix.utf8.count > 100 { throw .invalidArgument("the Redis key prefix is longer than 100 bytes") }
            if poolSizePerNode < 1 { throw .invalidArgument("poolSizePerNode must be at least 1") }
            if !(healthCheckInterval >= 0) { throw .invalidArgument("healthCheckInterval must not be negative") }
            for (value, name) in [(connectTimeout, "connectTimeout"), (commandTimeout, "commandTimeout"), (acquireTimeout, "acquireTimeout"),
                                  (messageSlidingExpiration, "messageSlidingExpiration")] where !(value > 0) {
                throw .invalidArgument("\(name) must be positive")
            }
            if let grace = cacheExpiryGracePeriod, !(grace >= 1) { throw .invalidArgument("cacheExpiryGracePeriod must be at least 1 second") }
        }
    }

    let client: RedisClient
    let keys: RedisKeyspace
    /// What every connection needs to open (holds the password; never printed).
    let settings: RedisConnectionSettings
    public let configuration: Configuration

    private init(client: RedisClient, keys: RedisKeyspace, settings: RedisConnectionSettings, configuration: Configuration) {
        self.client = client
        self.keys = keys
        self.settings = settings
        self.configuration = configuration
    }

    /// Connects (standalone: one connection; cluster: reads the slot map) and checks the data-model version.
    /// Throws `unavailable` when no server answers or the credentials are refused.
    public static func open(_ configuration: Configuration) async throws -> RedisIdentityStorage {
        try configuration.validate()
        let settings = RedisConnectionSettings(user: configuration.user, password: configuration.password, database: configuration.database,
                                               connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout,
                                               clientName: configuration.clientName)
        let pool = RedisPool.Configuration(size: configuration.poolSizePerNode, acquireTimeout: configuration.acquireTimeout,
                                           healthCheckInterval: configuration.healthCheckInterval, threadName: "redis")
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

    /// Test hook: stores under another key prefix on the same connections (a private keyspace for one test).
    @_spi(Testing)
    public func makeStores(clock: (any WallClock)?, keyPrefix: String) throws -> IdentityStores {
        var probe = configuration
        probe.keyPrefix = keyPrefix
        try probe.validate()
        return makeStores(clock: clock, keys: RedisKeyspace(prefix: keyPrefix))
    }

    private func makeStores(clock: (any WallClock)?, keys: RedisKeyspace) -> IdentityStores {
        let context = RedisStoreContext(client: client, keys: keys, clock: clock ?? configuration.clock, owner: self,
                                        cacheGraceMilliseconds: configuration.cacheExpiryGracePeriod.map { Int64(($0 * 1000).rounded()) } ?? -1)
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
            clock: context.clock, messageSlidingExpiration: configuration.messageSlidingExpiration,
            cleanup: RedisCleanupStore(context: context),
            capabilities: [.injectableClock, .durable]
        )
    }

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
        guard let version = Int(text), version <= RedisDataModel.version else {
            throw IdentityStorageError(.schemaMismatch,
                                       "the Redis data under prefix '\(configuration.keyPrefix)' has data-model version '\(text)'; this library reads version \(RedisDataModel.version)")
        }
    }

    // MARK: Test hooks

    /// Test hook: the storage whose stores these are.
    @_spi(Testing)
    public static func owner(of stores: IdentityStores) -> RedisIdentityStorage? {
        (stores.grants as? RedisPersistedGrantStore)?.context.owner
    }

    /// Test hook: damages stored data behind the stores' back (see ``StoredDataCorruption``).
    @_spi(Testing)
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        try await corrupt(corruption, keys: keys)
    }

    /// Test hook: as ``corrupt(_:)``, in the keyspace of `stores` (made by this storage).
    @_spi(Testing)
    public func corrupt(_ corruption: StoredDataCorruption, in stores: IdentityStores) async throws {
        guard let context = (stores.grants as? RedisPersistedGrantStore)?.context else {
            throw IdentityStorageError.invalidArgument("these stores were not made by a Redis storage")
        }
        try await corrupt(corruption, keys: context.keys)
    }

    private func corrupt(_ corruption: StoredDataCorruption, keys: RedisKeyspace) async throws {
        let invalidUTF8: [UInt8] = [0xC3, 0x28]
        switch corruption {
        case .clientRefreshTokenUsage(let clientId):
            try await rewriteClient(clientId, field: "refreshTokenUsage", value: 7, keys: keys)
        case .clientAccessTokenType(let clientId):
            try await rewriteClient(clientId, field: "accessTokenType", value: 9, keys: keys)
        case .keyRingElement(let id):
            let base = keys.keyRing
            _ = try await client.run(RedisCommand([RedisValue.bytes("HSET"), base.key("k", String(id)), RedisValue.bytes("x"), invalidUTF8], slot: base.slot),
                                     "corrupting a key-ring element")
        case .grantData(let key):
            let base = keys.grantBase(key)
            _ = try await client.run(RedisCommand([RedisValue.bytes("HSET"), base.key("k", key), RedisValue.bytes("v"), invalidUTF8], slot: base.slot),
                                     "corrupting a grant")
        }
    }

    private func rewriteClient(_ clientId: String, field: String, value: Int, keys: RedisKeyspace) async throws {
        let base = keys.clients
        let key = base.key("k", clientId)
        guard let document = try await client.run(RedisCommand([RedisValue.bytes("GET"), key], slot: base.slot), "reading a client").optionalBytes(),
              var object = try JSONSerialization.jsonObject(with: Data(document)) as? [String: Any] else {
            throw IdentityStorageError(.notFound, "no client \(clientId) to corrupt")
        }
        object[field] = value
        let damaged = try JSONSerialization.data(withJSONObject: object)
        _ = try await client.run(RedisCommand([RedisValue.bytes("SET"), key, Array(damaged)], slot: base.slot), "corrupting a client")
    }

    /// Test hook: runs a raw command routed by `routingKey` (cluster: its slot; nil: slot 0) and returns the
    /// reply as text lines (bulk strings and statuses as text, integers in decimal, nil as `(nil)`, arrays flattened).
    @_spi(Testing)
    public func rawCommand(_ arguments: [String], routingKey: String? = nil) async throws -> [String] {
        let reply = try await client.run(RedisCommand(arguments.map(RedisValue.bytes), slot: routingKey.map { RedisSlot.of(Array($0.utf8)) }),
                                         "running a raw command")
        func lines(_ reply: RedisReply) -> [String] {
            switch reply {
            case .bulk(let bytes): return [String(decoding: bytes, as: UTF8.self)]
            case .status(let text), .error(let text): return [text]
            case .integer(let value): return [String(value)]
            case .null: return ["(nil)"]
            case .array(let items): return items.flatMap(lines)
            }
        }
        return lines(reply)
    }

    /// Test hook: re-reads the cluster's slot map now (a no-op on a standalone server).
    @_spi(Testing)
    public func refreshTopology() async throws {
        if case .cluster(let router) = client.topology { try await router.refresh() }
    }

    /// Test hook: the raw Redis key of a grant (so tests can check where it landed), in the keyspace of `stores`
    /// (default: this storage's).
    @_spi(Testing)
    public func grantRecordKey(_ key: String, in stores: IdentityStores? = nil) -> [UInt8] {
        keyspace(of: stores).grantBase(key).key("k", key)
    }

    /// Test hook: the raw Redis key of a cache entry, in the keyspace of `stores` (default: this storage's).
    @_spi(Testing)
    public func cacheRecordKey(_ key: String, in stores: IdentityStores? = nil) -> [UInt8] {
        keyspace(of: stores).cacheBase(key).key("v", key)
    }

    private func keyspace(of stores: IdentityStores?) -> RedisKeyspace {
        stores.flatMap { ($0.grants as? RedisPersistedGrantStore)?.context.keys } ?? keys
    }
}

/// What every store of one storage shares.
struct RedisStoreContext: Sendable {
    let client: RedisClient
    let keys: RedisKeyspace
    let clock: any WallClock
    /// Keeps the storage (and its pools) reachable from the stores, for the test hooks.
    let owner: RedisIdentityStorage
    /// The safety TTL's margin; -1 for no safety TTL.
    let cacheGraceMilliseconds: Int64
}
