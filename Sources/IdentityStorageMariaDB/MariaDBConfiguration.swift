import IdentityStorage
import IdentityStorageBlockingPool

extension MariaDBIdentityStorage {
    /// TLS settings, passed to libmariadb as they are.
    public struct TLSOptions: Sendable, Hashable {
        /// How TLS is negotiated (URL `ssl_mode`).
        public enum Mode: String, Sendable, Hashable, CaseIterable {
            /// No TLS.
            case disabled
            /// libmariadb's default: TLS only if a certificate option is given (Connector/C 3.3 has no opportunistic mode).
            case preferred
            /// TLS or no connection; the server certificate is not verified.
            case required
            /// TLS, and the server certificate must chain to ``ca``/``caPath``.
            case verifyCA = "verify_ca"
            /// As ``verifyCA``, and the certificate must name the host.
            case verifyIdentity = "verify_identity"
        }

        /// Whether and how TLS is used (URL `ssl_mode`). Default: `.preferred`.
        public var mode: Mode = .preferred
        /// `ssl_ca`: a PEM file of trusted certificate authorities.
        public var ca: String?
        /// `ssl_capath`: a directory of trusted certificate authorities.
        public var caPath: String?
        /// `ssl_cert`: the client certificate (PEM).
        public var certificate: String?
        /// `ssl_key`: the path of the client certificate's private key (PEM).
        public var key: String?
        /// `ssl_cipher`: allowed cipher suites.
        public var cipher: String?
        /// `ssl_crl`: a certificate revocation list file.
        public var crl: String?
        /// `ssl_crlpath`: a directory of revocation lists.
        public var crlPath: String?
        /// `tls_version`: allowed protocol versions, e.g. `TLSv1.2,TLSv1.3`.
        public var versions: String?

        /// TLS when the server offers it, with no certificate checked and no files named.
        public init() {}
    }

    /// Settings of the MariaDB adapter. Build one from a store URL with ``init(url:)``, or field by field.
    ///
    /// ``description``, `String(reflecting:)` and `dump` never show the password.
    public struct Configuration: SchemaConfiguration, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The server's host name or IP address; not used when ``unixSocket`` is set.
        public var host: String
        /// Default: 3306.
        public var port: Int
        /// The account to connect as; nil for libmariadb's default (the current user's name).
        public var user: String?
        /// Never printed, never put in an error.
        public var password: String?
        /// The database that holds the stores' tables.
        public var database: String
        /// A Unix socket path (URL `socket`); when set, `host` and `port` are not used.
        public var unixSocket: String?
        /// TLS settings (URL `ssl_*` and `tls_version`).
        public var tls: TLSOptions = TLSOptions()
        /// Connections (and threads) (URL `pool_size`). Default: 8.
        public var poolSize: Int = 8
        /// Longest time to establish a connection (URL `connect_timeout`; libmariadb counts whole seconds). Default: 10 s.
        public var connectTimeout: Duration = .seconds(10)
        /// Longest wait for a read from the server before the call fails as `unavailable` (URL `read_timeout`). Default: 30 s.
        public var readTimeout: Duration = .seconds(30)
        /// Longest wait for a write to the server (URL `write_timeout`). Default: 30 s.
        public var writeTimeout: Duration = .seconds(30)
        /// How long a statement waits for a row lock (`innodb_lock_wait_timeout`, whole seconds; URL `lock_wait_timeout`)
        /// before failing as `timeout`. Default: 10 s.
        public var lockWaitTimeout: Duration = .seconds(10)
        /// How long a call waits for a free connection before failing as `timeout` (URL `acquire_timeout`). Default: 10 s.
        public var acquireTimeout: Duration = .seconds(10)
        /// A connection idle longer than this is pinged before use (URL `health_check_interval`). Default: 30 s.
        public var healthCheckInterval: Duration = .seconds(30)
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Where the store logs and reports its connections and pool (see `StoreObservability`). Default: nowhere.
        public var observability = StoreObservability()
        /// Whether `open` applies pending migrations. Default: true. False opens without touching the schema
        /// (`idstore migrate --status`, `--print-sql`), for a schema a DBA applies; the stores work once it is in place.
        public var migratesOnOpen = true
        /// Sliding expiration of authorization-parameter messages. Default: one hour, as upstream.
        public var messageSlidingExpiration: Duration = .seconds(3600)

        /// Settings for `database` on `host`:`port` as `user`, every other setting at its default.
        public init(host: String = "127.0.0.1", port: Int = 3306, user: String? = nil, password: String? = nil, database: String) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
        }

        /// The configuration of a `mariadb://` or `mysql://` URL: host, port, user, password and database from the
        /// URL; TLS options and pool settings from its parameters: `ssl_mode` (`sslmode`), `ssl_ca`, `ssl_capath`,
        /// `ssl_cert`, `ssl_key`, `ssl_cipher`, `ssl_crl`, `ssl_crlpath`, `tls_version`, `socket`, `pool_size`,
        /// `connect_timeout`, `read_timeout`, `write_timeout`, `lock_wait_timeout`, `acquire_timeout`,
        /// `health_check_interval`. The spellings with `-` (`pool-size`) still work.
        public init(url: StoreURL) throws(IdentityStorageError) {
            guard url.hasAuthority, url.hosts.count == 1, let host = url.hosts.first else {
                throw .invalidArgument("store URL '\(url)' needs one host: \(url.scheme)://user:password@host:3306/database")
            }
            guard let database = url.pathName else {
                throw .invalidArgument("store URL '\(url)' names no database; expected \(url.scheme)://user:password@host:3306/database")
            }
            self.init(host: host.name, port: host.port ?? 3306, user: url.user, password: url.password, database: database)
            var reader = StoreURLParameters(url, driver: "MariaDB")
            tls.mode = try reader.choice("ssl_mode", aliases: ["sslmode"]) ?? tls.mode
            tls.ca = reader.string("ssl_ca") ?? tls.ca
            tls.caPath = reader.string("ssl_capath") ?? tls.caPath
            tls.certificate = reader.string("ssl_cert") ?? tls.certificate
            tls.key = reader.string("ssl_key") ?? tls.key
            tls.cipher = reader.string("ssl_cipher") ?? tls.cipher
            tls.crl = reader.string("ssl_crl") ?? tls.crl
            tls.crlPath = reader.string("ssl_crlpath") ?? tls.crlPath
            tls.versions = reader.string("tls_version") ?? tls.versions
            unixSocket = reader.string("socket") ?? unixSocket
            try reader.readPoolSettings(poolSize: &poolSize, connectTimeout: &connectTimeout, acquireTimeout: &acquireTimeout,
                                        healthCheckInterval: &healthCheckInterval)
            readTimeout = try reader.duration("read_timeout") ?? readTimeout
            writeTimeout = try reader.duration("write_timeout") ?? writeTimeout
            lockWaitTimeout = try reader.duration("lock_wait_timeout") ?? lockWaitTimeout
            try reader.finish()
            try validate()
        }

        /// Checks every field; ``MariaDBIdentityStorage/open(_:)`` calls it too.
        public func validate() throws(IdentityStorageError) {
            for (value, field) in [(host, "host"), (database, "database"), (user ?? "", "user"), (password ?? "", "password"),
                                   (unixSocket ?? "", "socket")] where value.utf8.contains(0) {
                throw .invalidArgument("the MariaDB \(field) contains a NUL byte")
            }
            if database.isEmpty { throw .invalidArgument("the MariaDB database name must not be empty") }
            try FieldValidation.within(1...65535, port, "MariaDB port")
            try FieldValidation.within(1...1000, poolSize, "MariaDB pool size")
            for (value, name) in [(connectTimeout, "connect timeout"), (readTimeout, "read timeout"), (writeTimeout, "write timeout"),
                                  (lockWaitTimeout, "lock-wait timeout"), (acquireTimeout, "acquire timeout"),
                                  (healthCheckInterval, "health-check interval"), (messageSlidingExpiration, "message sliding expiration")] {
                try FieldValidation.positive(value, "MariaDB \(name)")
            }
        }

        /// The configuration without its password.
        public var description: String {
            let place = unixSocket.map { "socket=\($0)" } ?? (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            let credentials = user.map { $0 + (password == nil ? "" : ":***") + "@" } ?? (password == nil ? "" : ":***@")
            return "MariaDB \(credentials)\(place)/\(database) (pool \(poolSize), tls \(tls.mode.rawValue))"
        }

        public var debugDescription: String { description }

        /// Reflection shows ``description`` only, so `dump` never prints the password.
        public var customMirror: Mirror { Mirror(self, children: ["description": description], displayStyle: .struct) }

        /// What every connection opens with (holds the password; never printed).
        package func connectionSettings() throws(IdentityStorageError) -> MariaDBConnectionSettings {
            try validate()
            func whole(_ duration: Duration) -> UInt32 { UInt32(clamping: max(1, Int64(saturating: duration.inSeconds.rounded(.up)))) }
            return MariaDBConnectionSettings(host: host, port: port, user: user, password: password, database: database, unixSocket: unixSocket,
                                             tls: tls, connectTimeout: whole(connectTimeout), readTimeout: whole(readTimeout),
                                             writeTimeout: whole(writeTimeout), lockWaitTimeout: Int(whole(lockWaitTimeout)),
                                             logger: observability.logger)
        }
    }
}
