import IdentityStorage

/// Opens `mariadb://` and `mysql://` URLs: `mariadb://user:password@host:3306/database?parameters`.
///
/// Parameters: `ssl_mode`, `ssl_ca`, `ssl_capath`, `ssl_cert`, `ssl_key`, `ssl_cipher`, `ssl_crl`, `ssl_crlpath`,
/// `tls_version`, `socket`, `pool_size`, `connect_timeout`, `read_timeout`, `write_timeout`, `lock_wait_timeout`,
/// `acquire_timeout`, `health_check_interval` (see ``MariaDBIdentityStorage/Configuration``).
public struct MariaDBDriver: ConfigurableBackendDriver {
    /// The backend this driver opens.
    public typealias Backend = MariaDBIdentityStorage

    /// The driver; it holds no state.
    public init() {}

    public var name: String { "MariaDB" }
    public var schemes: [String] { ["mariadb", "mysql"] }
    public var urlForms: [String] { ["mariadb://user:password@host:3306/database"] }
}
