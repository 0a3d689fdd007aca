import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The MariaDB adapter (MariaDB 10.6+, tested on 10.11): every store on libmariadb (Connector/C 3.3),
/// for deployments where several instances share one database.
///
/// ```swift
/// let storage = try await MariaDBIdentityStorage.open(.init(address: address))   // from mariadb://user:pw@host:3306/db
/// let stores = storage.makeStores()
/// ```
///
/// A pool of connections, each on its own thread (libmariadb calls block and must stay off Swift's
/// cooperative pool); server-side prepared statements cached per connection; the schema migrated on
/// open under `GET_LOCK`. The stores are the generic SQL stores of `IdentityStorageSQL`
/// (`Sources/IdentityStorageSQL/Stores/SQL<Store>.swift`) over ``MariaDBDatabase``, with the MariaDB dialect
/// (`SQLDialect.mariadb`, in `Connection/MariaDBSchema.swift`). Expiry is judged against the configured ``Configuration/clock``, passed to
/// the server as a parameter: the server's clock and time zone play no part.
///
/// MySQL 8: the SQL keeps to what MySQL 8 also accepts (`ON DUPLICATE KEY UPDATE`, `FOR UPDATE SKIP LOCKED`,
/// `JSON_TABLE`, `GET_LOCK`, `STRAIGHT_JOIN`, `FORCE INDEX`, `IN (?, …)`) except where MariaDB's own form is
/// needed or cheaper: `DELETE … RETURNING` (take, cache remove; MySQL would need a transaction),
/// the `utf8mb4_nopad_bin` collation (MySQL 8: `utf8mb4_0900_bin`; both compare code points without
/// padding), and `VALUES(column)` in upserts (deprecated, still accepted, in MySQL 8.0.20+). Only MariaDB
/// 10.11 is tested.
public final class MariaDBIdentityStorage: Sendable {
    /// TLS settings, passed to libmariadb as they are.
    public struct TLSOptions: Sendable, Hashable {
        /// How TLS is negotiated (URL `ssl-mode`).
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

        public var mode: Mode = .preferred
        /// `ssl-ca`: a PEM file of trusted certificate authorities.
        public var ca: String?
        /// `ssl-capath`: a directory of trusted certificate authorities.
        public var caPath: String?
        /// `ssl-cert`: the client certificate (PEM).
        public var certificate: String?
        /// `ssl-key`: the client certificate's private key (PEM).
        public var key: String?
        /// `ssl-cipher`: allowed cipher suites.
        public var cipher: String?
        /// `ssl-crl`: a certificate revocation list file.
        public var crl: String?
        /// `ssl-crlpath`: a directory of revocation lists.
        public var crlPath: String?
        /// `tls-version`: allowed protocol versions, e.g. `TLSv1.2,TLSv1.3`.
        public var versions: String?

        public init() {}
    }

    /// Settings of the MariaDB adapter.
    public struct Configuration: Sendable, CustomStringConvertible {
        public var host: String
        /// Default: 3306.
        public var port: Int
        public var user: String?
        /// Never printed: ``description`` shows `***`.
        public var password: String?
        public var database: String
        /// A Unix socket path (URL `socket`); when set, `host` and `port` are not used.
        public var unixSocket: String?
        public var tls: TLSOptions = TLSOptions()
        /// Connections (and threads). Default: 8.
        public var poolSize: Int = 8
        /// Seconds to establish a connection. Default: 10.
        public var connectTimeout: TimeInterval = 10
        /// Seconds a read from the server may take before the call fails as `unavailable`. Default: 30.
        public var readTimeout: TimeInterval = 30
        /// Seconds a write to the server may take. Default: 30.
        public var writeTimeout: TimeInterval = 30
        /// Seconds a statement waits for a row lock (`innodb_lock_wait_timeout`) before failing as `timeout`. Default: 10.
        public var lockWaitTimeout: Int = 10
        /// Seconds a call waits for a free connection before failing as `timeout`. Default: 10.
        public var acquireTimeout: TimeInterval = 10
        /// A connection idle longer than this (seconds) is pinged before use. Default: 30.
        public var healthCheckInterval: TimeInterval = 30
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Sliding expiration of authorization-parameter messages, in seconds. Default: 3600, as upstream.
        public var messageSlidingExpiration: TimeInterval = 3600

        public init(host: String = "127.0.0.1", port: Int = 3306, user: String? = nil, password: String? = nil, database: String) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
        }

        /// URL parameters this adapter understands (`_` and `-` are interchangeable).
        public static let acceptedParameters = [
            "ssl-mode", "ssl-ca", "ssl-capath", "ssl-cert", "ssl-key", "ssl-cipher", "ssl-crl", "ssl-crlpath", "tls-version",
            "socket", "pool-size", "connect-timeout", "read-timeout", "write-timeout", "lock-wait-timeout", "acquire-timeout",
            "health-check-interval",
        ]

        /// The configuration of a `mariadb://` or `mysql://` URL: host, port, user, password and database
        /// from the address; TLS options and pool settings from its parameters (`ssl-mode`, `ssl-ca`, …,
        /// `pool-size`, `connect-timeout`, …; see ``acceptedParameters``). An unknown parameter or a bad
        /// value throws ``IdentityStorageError/Code-swift.struct/invalidArgument``.
        public init(address: ServerAddress) throws(IdentityStorageError) {
            guard let endpoint = address.endpoints.first else { throw .invalidArgument("the MariaDB address has no host") }
            guard let database = address.database, !database.isEmpty else {
                throw .invalidArgument("store URL '\(address)' names no database; expected \(address.scheme)://user:password@host:port/database")
            }
            self.init(host: endpoint.host, port: endpoint.port, user: address.user, password: address.password, database: database)
            for (rawName, value) in address.parameters {
                let name = rawName.lowercased().replacingOccurrences(of: "_", with: "-")
                func seconds() throws(IdentityStorageError) -> TimeInterval {
                    guard let number = Double(value), number > 0, number.isFinite else {
                        throw .invalidArgument("store URL parameter '\(rawName)' must be a positive number of seconds (got '\(value)')")
                    }
                    return number
                }
                switch name {
                case "ssl-mode", "sslmode":
                    let normalized = value.lowercased().replacingOccurrences(of: "-", with: "_")
                    guard let mode = TLSOptions.Mode(rawValue: normalized) else {
                        throw .invalidArgument("store URL parameter '\(rawName)' must be one of \(TLSOptions.Mode.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(value)')")
                    }
                    tls.mode = mode
                case "ssl-ca": tls.ca = value
                case "ssl-capath": tls.caPath = value
                case "ssl-cert": tls.certificate = value
                case "ssl-key": tls.key = value
                case "ssl-cipher": tls.cipher = value
                case "ssl-crl": tls.crl = value
                case "ssl-crlpath": tls.crlPath = value
                case "tls-version": tls.versions = value
                case "socket": unixSocket = value
                case "pool-size":
                    guard let size = Int(value), (1...1000).contains(size) else {
                        throw .invalidArgument("store URL parameter '\(rawName)' must be a whole number from 1 to 1000 (got '\(value)')")
                    }
                    poolSize = size
                case "connect-timeout": connectTimeout = try seconds()
                case "read-timeout": readTimeout = try seconds()
                case "write-timeout": writeTimeout = try seconds()
                case "lock-wait-timeout": lockWaitTimeout = max(1, Int(try seconds().rounded(.up)))
                case "acquire-timeout": acquireTimeout = try seconds()
                case "health-check-interval": healthCheckInterval = try seconds()
                default:
                    throw .invalidArgument("store URL parameter '\(rawName)' is not a MariaDB option; accepted: \(Self.acceptedParameters.joined(separator: ", "))")
                }
            }
        }

        /// The configuration without its password.
        public var description: String {
            let place = unixSocket.map { "socket=\($0)" } ?? (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            let credentials = user.map { $0 + (password == nil ? "" : ":***") + "@" } ?? (password == nil ? "" : ":***@")
            return "MariaDB \(credentials)\(place)/\(database) (pool \(poolSize), tls \(tls.mode.rawValue))"
        }

        func connectionSettings() throws(IdentityStorageError) -> MariaDBConnectionSettings {
            for (value, field) in [(host, "host"), (database, "database"), (user ?? "", "user"), (password ?? "", "password"),
                                   (unixSocket ?? "", "socket")] where value.utf8.contains(0) {
                throw .invalidArgument("the MariaDB \(field) contains a NUL byte")
            }
            guard (1...65535).contains(port) else { throw .invalidArgument("MariaDB port \(port) is not from 1 to 65535") }
            guard poolSize >= 1 else { throw .invalidArgument("MariaDB pool size must be at least 1") }
            func whole(_ seconds: TimeInterval) -> UInt32 { UInt32(clamping: max(1, Int(seconds.rounded(.up)))) }
            return MariaDBConnectionSettings(host: host, port: port, user: user, password: password, database: database, unixSocket: unixSocket,
                                             tls: tls, connectTimeout: whole(connectTimeout), readTimeout: whole(readTimeout),
                                             writeTimeout: whole(writeTimeout), lockWaitTimeout: max(1, lockWaitTimeout))
        }
    }

    let database: MariaDBDatabase
    public let configuration: Configuration

    private init(database: MariaDBDatabase, configuration: Configuration) {
        self.database = database
        self.configuration = configuration
    }

    /// Connects and migrates the schema (under `GET_LOCK`, so instances starting together all succeed).
    public static func open(_ configuration: Configuration) async throws -> MariaDBIdentityStorage {
        let database = try await MariaDBDatabase.open(configuration)
        return MariaDBIdentityStorage(database: database, configuration: configuration)
    }

    /// The schema version of the database.
    public func schemaVersion() async throws -> Int {
        try await database.run { connection in try SQLMigrations.appliedVersion(connection) }
    }

    /// Every store over this database. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let clock = clock ?? configuration.clock
        return .sql(database, clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration,
                    capabilities: [.injectableClock, .durable], owner: self)
    }

    /// Finishes queued work and closes every connection.
    public func close() async {
        await database.close()
    }

    // MARK: Test hooks

    /// Test hook: the storage whose stores these are.
    @_spi(Testing)
    public static func owner(of stores: IdentityStores) -> MariaDBIdentityStorage? {
        IdentityStores.sqlOwner(of: stores, over: MariaDBDatabase.self) as? MariaDBIdentityStorage
    }

    /// Test hook: damages a stored row behind the stores' back (see ``StoredDataCorruption``).
    /// Invalid UTF-8 is an encoded surrogate (`ED A0 80`): MariaDB's utf8mb4 stores it, Swift rejects it.
    @_spi(Testing)
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        switch corruption {
        case .clientRefreshTokenUsage(let clientId):
            try await executeRaw("UPDATE clients SET document = JSON_SET(document, '$.refreshTokenUsage', 7) WHERE client_id = ?", [clientId])
        case .clientAccessTokenType(let clientId):
            try await executeRaw("UPDATE clients SET document = JSON_SET(document, '$.accessTokenType', 9) WHERE client_id = ?", [clientId])
        case .keyRingElement(let id):
            try await executeRaw("UPDATE key_ring SET xml = X'EDA080' WHERE id = ?", [String(id)])
        case .grantData(let key):
            try await executeRaw("UPDATE persisted_grants SET data = X'EDA080' WHERE `key` = ?", [key])
        }
    }

    /// Test hook: runs a raw prepared statement with text parameters; returns the rows changed.
    @_spi(Testing)
    @discardableResult
    public func executeRaw(_ sql: String, _ textArguments: [String] = []) async throws -> Int {
        try await database.run { connection in
            try connection.run(sql, textArguments.map(SQLValue.text))
        }
    }

    /// Test hook: runs raw SQL through the text protocol and returns its rows as text.
    @_spi(Testing)
    public func queryRaw(_ sql: String) async throws -> [[String?]] {
        try await database.run { connection in try connection.textQuery(sql) }
    }

    /// Test hook: every statement that selects or deletes rows by something other than a primary key,
    /// with sample arguments, so tests can check with EXPLAIN that each one uses an index.
    @_spi(Testing)
    public static func indexedStatements() throws -> [(name: String, sql: String, arguments: [SQLValue])] {
        var statements: [(name: String, sql: String, arguments: [SQLValue])] = []
        let grants = SQLPersistedGrantStore<MariaDBDatabase>.Statements(.mariadb)
        let resources = SQLResourceStore<MariaDBDatabase>.Statements(.mariadb)
        let batches = SQLCleanupStore<MariaDBDatabase>.Batches(.mariadb)
        for (name, filter) in GrantFilterSQL.allShapes() {
            guard let (listed, listValues) = try GrantFilterSQL.condition(filter, dialect: .mariadb) else { continue }
            let (condition, values) = try MariaDBSQL.expandingLists(listed, listValues)
            statements.append(("grants filter " + name, "SELECT `key` FROM persisted_grants WHERE \(condition)", values))
            statements.append(("grants delete " + name, grants.deleteMatching(condition), [.text("[\"a\",\"b\"]")] + values))
        }
        let wide = PersistedGrantFilter(clientIds: ["c1", "c2", "c3"], types: ["t1", "t2"])
        if let (listed, listValues) = try GrantFilterSQL.condition(wide.normalized, dialect: .mariadb) {
            let (condition, values) = try MariaDBSQL.expandingLists(listed, listValues)
            statements.append(("grants filter 3 clients + 2 types", "SELECT `key` FROM persisted_grants WHERE \(condition)", values))
        }
        for (name, sql) in batches.selections {
            statements.append(("cleanup " + name, sql, [.integer(1_000_000), .integer(10)]))
        }
        for (name, sql) in batches.removals {
            statements.append(("cleanup delete " + name, sql, [.text("[\"a\",\"b\"]")]))
        }
        statements += [
            ("device by user code", "SELECT device_code FROM device_codes WHERE user_code = ?", [.text("u")]),
            ("sessions by subject", "SELECT `key` FROM server_side_sessions WHERE subject_id = ?", [.text("s")]),
            ("sessions by session id", "SELECT `key` FROM server_side_sessions WHERE session_id = ?", [.text("x")]),
            ("sessions by both", "SELECT `key` FROM server_side_sessions WHERE subject_id = ? AND session_id = ?", [.text("s"), .text("x")]),
            ("backchannel logins", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ? AND client_id = ?", [.text("s"), .text("c")]),
            ("backchannel logins of a subject", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ?", [.text("s")]),
            ("cors origin", "SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1", [.text("https://a")]),
            ("cors origins of a client", "DELETE FROM client_cors_origins WHERE client_id = ?", [.text("c")]),
            ("identity resources by name", resources.identityResourcesByName, [.text("[\"a\",\"b\"]")]),
            ("api scopes by name", resources.apiScopesByName, [.text("[\"a\",\"b\"]")]),
            ("api resources by name", resources.apiResourcesByName, [.text("[\"a\",\"b\"]")]),
            ("api resources by scope", resources.apiResourcesByScope, [.text("[\"a\",\"b\"]")]),
            ("api resource scopes of a resource", "DELETE FROM api_resource_scopes WHERE resource_name = ?", [.text("r")]),
            ("signing keys created after", "SELECT 1 FROM signing_keys WHERE created > ? LIMIT 1", [.integer(0)]),
            ("key ring delete by ids", SQLKeyRingStore<MariaDBDatabase>.Statements(.mariadb).deleteByIds, [.text("[1,2]")]),
        ]
        return statements
    }

    /// Test hook: the marker the MariaDB dialect puts after a list parameter.
    @_spi(Testing)
    public static var listMarker: String { MariaDBSQL.listMarker }

    /// Test hook: the rewrite of marked list parameters into `IN (?, ?, …)` (see `SQLDialect.mariadb`).
    @_spi(Testing)
    public static func expandingLists(_ sql: String, _ values: [SQLValue]) throws -> (sql: String, values: [SQLValue]) {
        try MariaDBSQL.expandingLists(sql, values)
    }

    /// Test hook: the rows of `EXPLAIN` for `sql` with `arguments` (as the server plans the prepared statement).
    @_spi(Testing)
    public func explain(_ sql: String, _ arguments: [SQLValue]) async throws -> [[String: String]] {
        try await database.run { connection in
            // EXPLAIN of a prepared statement with parameters: inline the arguments as literals.
            var text = ""
            var remaining = arguments[...]
            var inQuote = false
            for character in sql {
                if character == "'" { inQuote.toggle() }
                if character == "?", !inQuote, let value = remaining.popFirst() {
                    switch value {
                    case .null: text += "NULL"
                    case .integer(let number): text += String(number)
                    case .text(let string): text += try connection.literal(string)
                    case .blob(let bytes): text += "X'" + bytes.map { String(format: "%02X", $0) }.joined() + "'"
                    }
                } else {
                    text.append(character)
                }
            }
            let plain = try connection.textQuery("EXPLAIN " + text)
            let names = ["id", "select_type", "table", "type", "possible_keys", "key", "key_len", "ref", "rows", "Extra"]
            return plain.map { row in
                var entry: [String: String] = [:]
                for (index, name) in names.enumerated() where index < row.count { entry[name] = row[index] ?? "NULL" }
                return entry
            }
        }
    }
}
