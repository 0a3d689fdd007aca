import CLibPQ
import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import Logging
import Synchronization

extension PostgresIdentityStorage {
    /// Settings of the PostgreSQL adapter. Build one from a store URL with ``init(url:)``, or field by field
    /// with ``init(host:port:user:password:database:)``.
    ///
    /// ``description``, `String(reflecting:)` and `dump` never show the password.
    public struct Configuration: SchemaConfiguration, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
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
        /// Connections in the pool, each on its own thread (URL `pool_size`). Default: 8.
        public var poolSize: Int = 8
        /// The most standalone statements (a grant's get, store, take, consume, remove) that one connection sends
        /// in one libpq pipeline when more calls are queued than connections are free (URL `pipeline_depth`, 1–64).
        /// 1 sends each statement in a round trip of its own. Default: 1: with the server on the same two cores,
        /// pipelines were slower (`idstore bench`, grant get at 16 callers: 10.6k–12.3k ops/s at depth 32, 15.0k–16.7k
        /// at depth 1), since a pipeline's statements run one after another in one server process while other
        /// processes idle. Deeper pipelines save a round trip per statement: worth measuring where the database is a
        /// network hop away.
        public var pipelineDepth: Int = 1
        /// How long establishing one connection may take (URL `connect_timeout`; libpq counts whole seconds, at
        /// least 2). Default: 10 s.
        public var connectTimeout: Duration = .seconds(10)
        /// Longest a statement may run (URL `query_timeout`): the server's `statement_timeout` for every session
        /// (an overrun is `IdentityStorageError.Code.timeout`), and, five seconds later, the client
        /// stops waiting for an answer and discards the connection. Default: 30 s.
        public var queryTimeout: Duration = .seconds(30)
        /// How long a call waits for a free connection (URL `acquire_timeout`). Default: 10 s.
        public var acquireTimeout: Duration = .seconds(10)
        /// A connection idle longer than this is checked with a round trip before it is used again
        /// (URL `health_check_interval`). Default: 30 s.
        public var healthCheckInterval: Duration = .seconds(30)
        /// The PostgreSQL schema holding the tables (URL `schema`); several deployments can share one database
        /// with different schemas. Created by the first migration when missing. Letters, digits and `_`,
        /// not starting with a digit, at most 63 bytes. Default: `public`.
        public var schema: String = "public"
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Where the store logs and reports its connections and pool (see `StoreObservability`). Default: nowhere.
        public var observability = StoreObservability()
        /// Whether `open` applies pending migrations. Default: true. False opens without touching the schema
        /// (`idstore migrate --status`, `--print-sql`), for a schema a DBA applies; the stores work once it is in place.
        public var migratesOnOpen = true
        /// Sliding expiration of authorization-parameter messages. Default: one hour, as upstream.
        public var messageSlidingExpiration: Duration = .seconds(3600)

        /// URL query parameters that configure the adapter rather than libpq.
        public static let adapterParameters = ["schema", "pool_size", "pipeline_depth", "connect_timeout", "query_timeout", "acquire_timeout",
                                               "health_check_interval"]

        /// Settings for `database` on `host`:`port` as `user`, every other setting at its default; a nil `user` or
        /// `database` is left to libpq's defaults.
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
        /// Query parameters: ``adapterParameters`` set the fields of the same meaning (times as seconds or with a
        /// unit: `10`, `500ms`, `2m`); every other parameter must be a libpq connection keyword and is passed
        /// through (`sslmode=verify-full&sslrootcert=/path/ca.pem`).
        public init(url: StoreURL) throws(IdentityStorageError) {
            guard url.hasAuthority, url.hosts.count == 1, let host = url.hosts.first else {
                throw .invalidArgument("store URL '\(url)' needs one host: postgres://user:password@host:5432/database")
            }
            self.init(host: host.name, port: host.port ?? 5432, user: url.user, password: url.password, database: url.pathName)
            var reader = StoreURLParameters(url, driver: "PostgreSQL")
            schema = reader.string("schema") ?? schema
            try reader.readPoolSettings(poolSize: &poolSize, connectTimeout: &connectTimeout, acquireTimeout: &acquireTimeout,
                                        healthCheckInterval: &healthCheckInterval)
            queryTimeout = try reader.duration("query_timeout") ?? queryTimeout
            pipelineDepth = try reader.integer("pipeline_depth", in: 1...64) ?? pipelineDepth
            let keywords = Self.libpqKeywords
            parameters = reader.passThrough(described: "libpq connection keywords (sslmode, sslrootcert, application_name, …)") {
                keywords.contains($0) && !Self.reservedKeywords.contains($0)
            }.map { ($0.name, $0.value) }
            try reader.finish()
            try validate()
        }

        /// Checks every field; ``PostgresIdentityStorage/open(_:)`` calls it too.
        public func validate() throws(IdentityStorageError) {
            try PostgresSchema.validateSchemaName(schema)
            try FieldValidation.within(1...1000, poolSize, "PostgreSQL pool size")
            try FieldValidation.within(1...64, pipelineDepth, "PostgreSQL pipeline depth")
            for (name, value) in [("connect timeout", connectTimeout), ("query timeout", queryTimeout), ("acquire timeout", acquireTimeout),
                                  ("health-check interval", healthCheckInterval), ("message sliding expiration", messageSlidingExpiration)] {
                try FieldValidation.positive(value, "PostgreSQL \(name)")
            }
            try FieldValidation.within(1...65535, port, "PostgreSQL port")
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
        static let reservedKeywords: Set<String> = ["host", "hostaddr", "port", "user", "password", "dbname", "connect_timeout"]

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
                text += ", " + parameters.map { "\($0.name)=\(StoreURL.isSecret($0.name) ? "***" : $0.value)" }.joined(separator: " ")
            }
            return text + ")"
        }

        public var debugDescription: String { description }

        /// Reflection shows ``description`` only, so `dump` never prints the password.
        public var customMirror: Mirror {
            Mirror(self, children: ["description": description], displayStyle: .struct)
        }
    }
}

/// What every connection of one storage is opened with: libpq keywords and the session setup.
/// Holds the password; never printed (``description`` redacts).
package struct PostgresConnectionSettings: Sendable, CustomStringConvertible, CustomReflectable {
    package let keywords: [(String, String)]
    /// Run once per session, right after connecting.
    package let sessionSetup: String
    /// Client-side wait limit for one statement's answer; nil waits as long as the server takes.
    package let answerTimeout: Duration?
    package let connectTimeout: Duration
    package let schema: String
    package let description: String
    /// Where a connection logs that it reopened after the server ended it while idle.
    package let logger: Logger
    /// Round trips of every connection of the storage, for tests that count them.
    let roundTrips = RoundTripCounter()

    /// Reflection shows ``description`` only, never the password among the keywords.
    package var customMirror: Mirror { Mirror(self, children: ["description": description]) }

    package init(_ configuration: PostgresIdentityStorage.Configuration) {
        var keywords: [(String, String)] = [("host", configuration.host), ("port", String(configuration.port))]
        if let user = configuration.user { keywords.append(("user", user)) }
        if let password = configuration.password { keywords.append(("password", password)) }
        if let database = configuration.database { keywords.append(("dbname", database)) }
        keywords.append(("connect_timeout", String(max(2, Int64(saturating: configuration.connectTimeout.inSeconds.rounded(.up))))))
        keywords.append(("client_encoding", "UTF8"))
        if !configuration.parameters.contains(where: { $0.name == "application_name" }) {
            keywords.append(("application_name", "identitystorage"))
        }
        for (name, value) in configuration.parameters where name != "client_encoding" && name != "connect_timeout" {
            keywords.append((name, value))
        }
        self.keywords = keywords
        let statementTimeout = max(1, Int64(saturating: (configuration.queryTimeout.inSeconds * 1000).rounded()))
        // Instants are bigint microseconds and never depend on TimeZone; UTC keeps anything the server
        // formats (logs, now()) unambiguous. search_path makes every unqualified table name the schema's.
        sessionSetup = """
            SET TimeZone = 'UTC'; SET search_path TO \(PostgresSchema.quoted(configuration.schema)); \
            SET statement_timeout = \(statementTimeout); SET client_min_messages = warning
            """
        answerTimeout = .milliseconds(statementTimeout.addingSaturating(5_000))
        connectTimeout = configuration.connectTimeout
        schema = configuration.schema
        description = configuration.description
        logger = configuration.observability.logger
    }
}

/// A count of statements sent to the server (each one round trip).
final class RoundTripCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
