import IdentityStorage
import IdentityStorageBlockingPool

extension RedisIdentityStorage {
    /// Settings of the Redis adapter. Build one from a store URL with ``init(url:)``, or field by field.
    ///
    /// ``description``, `String(reflecting:)` and `dump` never show the password.
    public struct Configuration: URLConfiguration, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// A standalone server (or a primary) or a Redis Cluster.
        public enum Mode: Sendable, Hashable {
            /// One server (`redis://`).
            case standalone
            /// A Redis Cluster, reached through any of its seed nodes (`redis-cluster://`).
            case cluster
        }

        /// One server: host name or IP address, and port.
        public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
            /// The host name or IP address.
            public var host: String
            /// The TCP port. Default: 6379.
            public var port: Int

            /// The server at `host`:`port`.
            public init(host: String, port: Int = 6379) {
                self.host = host
                self.port = port
            }

            public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        }

        /// A standalone server or a cluster.
        public var mode: Mode
        /// The server (standalone) or seed nodes (cluster; any reachable one is enough to read the slot map).
        public var endpoints: [Endpoint]
        /// ACL user for `AUTH user password`; nil for `AUTH password` (the `default` user).
        public var user: String?
        /// Sent with `AUTH`; never printed, logged or put in an error.
        public var password: String?
        /// Database index (`SELECT`); standalone only, Redis Cluster has only database 0. Default 0.
        public var database: Int = 0
        /// Prefix of every key (URL `key_prefix`); must not contain `{`, `}` or NUL. Default `idstore:`.
        public var keyPrefix: String = "idstore:"
        /// Calls one node runs at once (URL `pool_size`). Default 4. Standalone: the pool's connections and threads.
        /// Cluster: one pool for every node with this many threads per master, each thread connecting to the
        /// masters it serves, and at most this many of them on one master at a time (so a master that hangs holds
        /// only its own share); a master may then see up to `pool_size` × masters connections, most of them idle.
        public var poolSizePerNode: Int = 4
        /// How long to wait for a TCP connection (URL `connect_timeout`). Default 5 s.
        public var connectTimeout: Duration = .seconds(5)
        /// How long to wait for a reply before the connection is declared broken, `unavailable` (URL `command_timeout`).
        /// Default 5 s.
        public var commandTimeout: Duration = .seconds(5)
        /// How long a call may wait for a free connection, `timeout` (URL `acquire_timeout`). Default 10 s.
        public var acquireTimeout: Duration = .seconds(10)
        /// A connection idle longer than this is checked with `PING` before use, so connections broken by a server
        /// restart or `CLIENT KILL` are replaced before a call fails on them (URL `health_check_interval`). Default 1 s.
        public var healthCheckInterval: Duration = .seconds(1)
        /// The clock every expiry decision uses (cache entries included). Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Where the store logs and reports its connections and pool (see `StoreObservability`). Default: nowhere.
        public var observability = StoreObservability()
        /// Sliding expiration of authorization-parameter messages. Default: one hour, as upstream.
        public var messageSlidingExpiration: Duration = .seconds(3600)
        /// How long Redis keeps an expired cache entry before its safety `PEXPIRE` reclaims it (cleanup usually
        /// removes it earlier). The safety TTL is the entry's remaining lifetime by ``clock`` plus this, counted in the
        /// server's real time: with a clock that runs slower than real time (a test's manual clock), an entry
        /// disappears after that much real time. Nil: no safety TTL, only cleanup removes expired entries.
        /// Default: 300 s.
        public var cacheExpiryGracePeriod: Duration? = .seconds(300)
        /// `CLIENT SETNAME` of every connection (visible in `CLIENT LIST`; URL `client_name`, empty for none).
        /// Default `identitystorage`.
        public var clientName: String? = "identitystorage"

        /// Settings for the server or cluster at `endpoints`, every other setting at its default.
        public init(mode: Mode = .standalone, endpoints: [Endpoint]) {
            self.mode = mode
            self.endpoints = endpoints
        }

        /// Settings from a `redis://[user][:password]@host:port/db-index` or
        /// `redis-cluster://[user][:password]@host:port,host:port,…` URL, and the parameters `key_prefix`, `pool_size`,
        /// `connect_timeout`, `command_timeout`, `acquire_timeout`, `health_check_interval` and `client_name`.
        public init(url: StoreURL) throws(IdentityStorageError) {
            let mode: Mode
            switch url.scheme {
            case "redis": mode = .standalone
            case "redis-cluster": mode = .cluster
            default: throw .invalidArgument("a Redis store needs a redis:// or redis-cluster:// URL, not \(url.scheme):")
            }
            guard url.hasAuthority, !url.hosts.isEmpty else {
                throw .invalidArgument("store URL '\(url)' names no host; expected \(url.scheme)://host:6379")
            }
            if mode == .standalone, url.hosts.count > 1 {
                throw .invalidArgument("store URL '\(url)' lists several hosts; only redis-cluster:// takes a host list")
            }
            self.init(mode: mode, endpoints: url.hosts.map { Endpoint(host: $0.name, port: $0.port ?? 6379) })
            user = url.user
            password = url.password
            if let index = url.pathName {
                guard let number = Int(index), number >= 0 else {
                    throw .invalidArgument("store URL '\(url)' has database '\(index)', which is not a database index (0, 1, …)")
                }
                if mode == .cluster, number != 0 {
                    throw .invalidArgument("store URL '\(url)' names database \(number); redis-cluster URLs take no database index (Redis Cluster has only database 0)")
                }
                database = number
            }
            var reader = StoreURLParameters(url, driver: "Redis")
            keyPrefix = reader.string("key_prefix") ?? keyPrefix
            try reader.readPoolSettings(poolSize: &poolSizePerNode, connectTimeout: &connectTimeout, acquireTimeout: &acquireTimeout,
                                        healthCheckInterval: &healthCheckInterval)
            commandTimeout = try reader.duration("command_timeout") ?? commandTimeout
            if let name = reader.string("client_name") { clientName = name.isEmpty ? nil : name }
            try reader.finish()
            try validate()
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

        /// Reflection shows ``description`` only, so `dump` never prints the password.
        public var customMirror: Mirror { Mirror(self, children: ["description": description], displayStyle: .struct) }

        /// Checks every field; ``RedisIdentityStorage/open(_:)`` calls it too.
        public func validate() throws(IdentityStorageError) {
            guard !endpoints.isEmpty else { throw .invalidArgument("a Redis store needs at least one host") }
            if mode == .standalone, endpoints.count > 1 {
                throw .invalidArgument("a standalone Redis store takes one host; use redis-cluster:// for a cluster")
            }
            for endpoint in endpoints { try FieldValidation.within(1...65535, endpoint.port, "Redis port") }
            if mode == .cluster, database != 0 { throw .invalidArgument("Redis Cluster has only database 0") }
            try FieldValidation.nonNegative(database, "Redis database index")
            if keyPrefix.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") || $0 == 0 }) {
                throw .invalidArgument("the Redis key prefix must not contain '{', '}' or NUL (the store's hash tags follow it)")
            }
            if keyPrefix.utf8.count > 100 { throw .invalidArgument("the Redis key prefix is longer than 100 bytes") }
            try FieldValidation.within(1...1000, poolSizePerNode, "Redis pool size per node")
            for (value, name) in [(connectTimeout, "connect timeout"), (commandTimeout, "command timeout"), (acquireTimeout, "acquire timeout"),
                                  (healthCheckInterval, "health-check interval"), (messageSlidingExpiration, "message sliding expiration")] {
                try FieldValidation.positive(value, "Redis \(name)")
            }
            if let grace = cacheExpiryGracePeriod, grace < .seconds(1) {
                throw .invalidArgument("the Redis cache expiry grace period must be at least 1 second (got \(grace))")
            }
        }
    }
}
