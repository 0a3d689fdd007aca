import CLibPQ
import Foundation
import IdentityStorage
import Synchronization

extension PostgresIdentityStorage {
    /// Settings of the PostgreSQL adapter. Build one from a store URL's ``ServerAddress`` with
    /// ``init(address:)``, or field by field with ``init(host:port:user:password:database:)``.
    ///
    /// ``description`` and `dump` never show the password.
    public struct Configuration: Sendable, CustomStringConvertible, CustomReflectable {
        /// Host name, IP address, or a Unix-socket directory (starting with `/`). Default: `127.0.0.1`.
        public var host: String
        /// TCP port. Default: 5432.
        public var port: Int
        /// Role to log in as; nil lets libpq choose (`PGUSER`, then the OS user).
        public var user: String?
        /// Never printed, never put in an error.
        public var password: String?
        /// Database name; nil lets libpq choose (`PGDATABASE`, then the user name).
        public var database: String?
        /// Further libpq connection keywords, passed through as given: `sslmode`, `sslrootcert`, `sslcert`,
        /// `sslkey`, `application_name`, `target_session_attrs`, `keepalives_idle`, `options`, …
        /// (see PostgreSQL's "Parameter Key Words"). Unknown keywords are refused when the storage opens.
        public var parameters: [(name: String, value: String)]
        /// Connections in the pool, each on its own thread. Default: 8.
        public var poolSize: Int = 8
        /// How long establishing one connection may take, in seconds (libpq `connect_timeout`,
        /// which counts whole seconds and at least 2). Default: 10.
        public var connectTimeout: TimeInterval = 10
        /// Longest a statement may run, in seconds: the server's `statement_timeout` for every session
        /// (an overrun is ``IdentityStorageError/Code-swift.struct/timeout``), and, five seconds later,
        /// the client stops waiting for an answer and discards the connection. 0 disables both. Default: 30.
        public var queryTimeout: TimeInterval = 30
        /// How long a call waits for a free connection, in seconds. Default: 10.
        public var acquireTimeout: TimeInterval = 10
        /// A connection idle longer than this (seconds) is checked with a round trip before it is used again. Default: 30.
        public var healthCheckInterval: TimeInterval = 30
        /// The PostgreSQL schema holding the tables; several deployments can share one database with
        /// different schemas. Created by the first migration when missing. Letters, digits and `_`,
        /// not starting with a digit, at most 63 bytes. Default: `public`.
        public var schema: String = "public"
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Sliding expiration of authorization-parameter messages, in seconds. Default: 3600, as upstream.
        public var messageSlidingExpiration: TimeInterval = 3600

        /// URL query parameters that configure the adapter rather than libpq (values in seconds where a time).
        public static let adapterParameters = ["schema", "pool_size", "query_timeout", "acquire_timeout", "health_check_interval"]

        public init(host: String = "127.0.0.1", port: Int = 5432, user: String? = nil, password: String? = nil, database: String? = nil) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.parameters = []
        }

        /// The configuration a `postgres://user:password@host:port/database?…` URL describes.
        ///
        /// Query parameters: `schema`, `pool_size`, `query_timeout`, `acquire_timeout`, `health_check_interval`
        /// set the fields of the same meaning; `connect_timeout` sets ``connectTimeout`` and is also given to libpq;
        /// every other parameter is a libpq keyword passed through (`sslmode=verify-full&sslrootcert=/path/ca.pem`).
        public init(address: ServerAddress) throws(IdentityStorageError) {
            guard let endpoint = address.endpoints.first else {
                throw .invalidArgument("the PostgreSQL address '\(address)' has no host")
            }
            self.init(host: endpoint.host, port: endpoint.port, user: address.user, password: address.password, database: address.database)
            for (name, value) in address.parameters {
                switch name {
                case "schema": schema = value
                case "pool_size": poolSize = try Self.number(value, name, address)
                case "query_timeout": queryTimeout = try Self.seconds(value, name, address)
                case "acquire_timeout": acquireTimeout = try Self.seconds(value, name, address)
                case "health_check_interval": healthCheckInterval = try Self.seconds(value, name, address)
                case "connect_timeout":
                    connectTimeout = try Self.seconds(value, name, address)
                default:
                    parameters.append((name, value))
                }
            }
            try validate()
        }

        /// Checks every field; ``PostgresIdentityStorage/open(_:)`` calls it too.
        public func validate() throws(IdentityStorageError) {
            try PostgresSchema.validateSchemaName(schema)
            if poolSize < 1 { throw .invalidArgument("PostgreSQL pool size must be at least 1 (got \(poolSize))") }
            for (name, value) in [("connect timeout", connectTimeout), ("query timeout", queryTimeout), ("acquire timeout", acquireTimeout),
                                  ("health-check interval", healthCheckInterval)] where !(value >= 0) || !value.isFinite {
                throw .invalidArgument("PostgreSQL \(name) must be a non-negative number of seconds (got \(value))")
            }
            if !(port >= 1 && port <= 65535) { throw .invalidArgument("PostgreSQL port must be from 1 to 65535 (got \(port))") }
            let known = Self.libpqKeywords
            for (name, value) in parameters {
                if Self.reservedKeywords.contains(name) {
                    throw .invalidArgument("PostgreSQL parameter '\(name)' is set by the adapter; use the configuration field instead")
                }
                if name == "client_encoding", value.uppercased() != "UTF8" {
                    throw .invalidArgument("PostgreSQL client_encoding must be UTF8 (got '\(value)')")
                }
                if !known.contains(name) {
                    throw .invalidArgument("'\(name)' is neither an adapter parameter (\(Self.adapterParameters.joined(separator: ", "))) nor a libpq connection keyword")
                }
                for text in [name, value] where text.utf8.contains(0) {
                    throw .invalidArgument("PostgreSQL parameter '\(name)' contains a NUL byte")
                }
            }
            for (field, text) in [("host", host), ("user", user ?? ""), ("password", password ?? ""), ("database", database ?? "")]
            where text.utf8.contains(0) {
                throw .invalidArgument("PostgreSQL \(field) contains a NUL byte")
            }
        }

        /// Keywords the adapter sets from fields; giving them as parameters too would be ambiguous.
        static let reservedKeywords: Set<String> = ["host", "hostaddr", "port", "user", "password", "dbname"]

        /// The connection keywords this libpq accepts (`PQconndefaults`).
        static let libpqKeywords: Set<String> = {
            var names: Set<String> = []
            guard let options = PQconndefaults() else { return names }
            defer { PQconninfoFree(options) }
            var index = 0
            while let keyword = options[index].keyword {
                names.insert(String(cString: keyword))
                index += 1
            }
            return names
        }()

        public var description: String {
            var text = "postgres://"
            if let user { text += user }
            if password != nil { text += ":***" }
            if user != nil || password != nil { text += "@" }
            text += host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            if let database { text += "/\(database)" }
            text += " (schema \(schema), pool \(poolSize)"
            if !parameters.isEmpty {
                text += ", " + parameters.map { "\($0.name)=\($0.name.lowercased().contains("pass") ? "***" : $0.value)" }.joined(separator: " ")
            }
            return text + ")"
        }

        public var customMirror: Mirror {
            Mirror(self, children: ["description": description], displayStyle: .struct)
        }

        private static func number(_ value: String, _ name: String, _ address: ServerAddress) throws(IdentityStorageError) -> Int {
            guard let number = Int(value) else {
                throw .invalidArgument("store URL '\(address)' parameter \(name)='\(value)' is not a whole number")
            }
            return number
        }

        private static func seconds(_ value: String, _ name: String, _ address: ServerAddress) throws(IdentityStorageError) -> TimeInterval {
            guard let number = TimeInterval(value), number >= 0, number.isFinite else {
                throw .invalidArgument("store URL '\(address)' parameter \(name)='\(value)' is not a non-negative number of seconds")
            }
            return number
        }
    }
}

/// What every connection of one storage is opened with: libpq keywords and the session setup.
/// Holds the password; never printed (``description`` redacts).
struct PostgresConnectionSettings: Sendable, CustomStringConvertible {
    let keywords: [(String, String)]
    /// Run once per session, right after connecting.
    let sessionSetup: String
    /// Client-side wait limit for one statement's answer; nil waits as long as the server takes.
    let answerTimeout: Duration?
    let connectTimeout: TimeInterval
    let schema: String
    let description: String
    /// Round trips of every connection of the storage, for tests that count them.
    let roundTrips = RoundTripCounter()

    init(_ configuration: PostgresIdentityStorage.Configuration) {
        var keywords: [(String, String)] = [("host", configuration.host), ("port", String(configuration.port))]
        if let user = configuration.user { keywords.append(("user", user)) }
        if let password = configuration.password { keywords.append(("password", password)) }
        if let database = configuration.database { keywords.append(("dbname", database)) }
        if configuration.connectTimeout > 0 {
            keywords.append(("connect_timeout", String(max(2, Int(configuration.connectTimeout.rounded(.up))))))
        }
        keywords.append(("client_encoding", "UTF8"))
        if !configuration.parameters.contains(where: { $0.name == "application_name" }) {
            keywords.append(("application_name", "identitystorage"))
        }
        for (name, value) in configuration.parameters where name != "client_encoding" && name != "connect_timeout" {
            keywords.append((name, value))
        }
        self.keywords = keywords
        let statementTimeout = Int((configuration.queryTimeout * 1000).rounded())
        // Instants are bigint microseconds and never depend on TimeZone; UTC keeps anything the server
        // formats (logs, now()) unambiguous. search_path makes every unqualified table name the schema's.
        sessionSetup = """
            SET TimeZone = 'UTC'; SET search_path TO \(PostgresSchema.quoted(configuration.schema)); \
            SET statement_timeout = \(statementTimeout); SET client_min_messages = warning
            """
        answerTimeout = configuration.queryTimeout > 0 ? .milliseconds(statementTimeout + 5_000) : nil
        connectTimeout = configuration.connectTimeout
        schema = configuration.schema
        description = configuration.description
    }
}

/// A count of statements sent to the server (each one round trip).
final class RoundTripCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
