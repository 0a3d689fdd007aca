import IdentityStorage

/// Opens `redis://` URLs (a standalone server: `redis://[user][:password]@host:6379/0`) and `redis-cluster://` URLs
/// (seed nodes: `redis-cluster://[user][:password]@host:7000,host:7001`).
///
/// Parameters: `key_prefix`, `pool_size`, `connect_timeout`, `command_timeout`, `acquire_timeout`,
/// `health_check_interval`, `client_name` (see ``RedisIdentityStorage/Configuration``).
public struct RedisDriver: ConfigurableBackendDriver {
    /// The backend this driver opens.
    public typealias Backend = RedisIdentityStorage

    /// The driver; it holds no state.
    public init() {}

    public var name: String { "Redis" }
    public var schemes: [String] { ["redis", "redis-cluster"] }
    public var urlForms: [String] { ["redis://user:password@host:6379/0", "redis-cluster://host:7000,host:7001,host:7002"] }
}
