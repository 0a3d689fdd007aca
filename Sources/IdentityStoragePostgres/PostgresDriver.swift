import IdentityStorage

/// Opens `postgres://` and `postgresql://` URLs: `postgres://user:password@host:5432/database?parameters`.
///
/// Parameters: `schema`, `pool_size`, `connect_timeout`, `query_timeout`, `acquire_timeout`,
/// `health_check_interval` (see ``PostgresIdentityStorage/Configuration``), and any libpq connection keyword
/// (`sslmode`, `sslrootcert`, `application_name`, …), passed through.
public struct PostgresDriver: ConfigurableBackendDriver {
    /// The backend this driver opens.
    public typealias Backend = PostgresIdentityStorage

    /// The driver; it holds no state.
    public init() {}

    public var name: String { "PostgreSQL" }
    public var schemes: [String] { ["postgres", "postgresql"] }
    public var telemetryName: String { "postgresql" }
    public var urlForms: [String] { ["postgres://user:password@host:5432/database"] }
}
