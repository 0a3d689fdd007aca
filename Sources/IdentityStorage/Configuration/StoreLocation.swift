/// Where a store lives, parsed from the URL a server author puts in configuration.
///
/// Accepted forms:
/// - `memory:` — the in-memory adapter
/// - `sqlite:PATH` (relative or absolute file path) and `sqlite::memory:`
/// - `postgres://` or `postgresql://user:password@host:port/database?options`
/// - `mariadb://` or `mysql://user:password@host:port/database?options`
/// - `redis://[user][:password]@host:port/db-index?options`
/// - `redis-cluster://[user][:password]@host:port,host:port,...?options`
///
/// ``description`` and every error message replace the password with `***`.
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
    case memory
    /// A file path, or `":memory:"` for a private in-memory database.
    case sqlite(path: String)
    case postgres(ServerAddress)
    case mariadb(ServerAddress)
    case redis(ServerAddress)
    case redisCluster(ServerAddress)

    /// The schemes accepted, for error messages and help text.
    public static let acceptedForms = "memory:, sqlite:PATH, sqlite::memory:, postgres://, postgresql://, mariadb://, mysql://, redis://, redis-cluster://"

    /// Parses a store URL. Throws ``IdentityStorageError/Code-swift.struct/invalidArgument`` naming the accepted forms;
    /// the message never contains the password.
    public init(parsing text: String) throws(IdentityStorageError) {
        let trimmed = text.trimmingWhitespace
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw .invalidArgument("store URL '\(StoreLocation.redacted(trimmed))' has no scheme; expected one of \(StoreLocation.acceptedForms)")
        }
        let scheme = trimmed[..<colon].lowercased()
        let rest = String(trimmed[trimmed.index(after: colon)...])
        switch scheme {
        case "memory":
            guard rest.isEmpty || rest == "//" else {
                throw .invalidArgument("store URL 'memory:' takes nothing after the colon")
            }
            self = .memory
        case "sqlite":
            let path = rest.hasPrefix("//") ? String(rest.dropFirst(2)) : rest
            guard !path.isEmpty else {
                throw .invalidArgument("store URL 'sqlite:' needs a file path (sqlite:identity.db) or sqlite::memory:")
            }
            guard !path.utf8.contains(0) else { throw .invalidArgument("store URL sqlite path contains a NUL byte") }
            self = .sqlite(path: path)
        case "postgres", "postgresql":
            self = .postgres(try ServerAddress(parsing: rest, scheme: "postgres", defaultPort: 5432, multipleHosts: false))
        case "mariadb", "mysql":
            self = .mariadb(try ServerAddress(parsing: rest, scheme: scheme, defaultPort: 3306, multipleHosts: false))
        case "redis":
            let address = try ServerAddress(parsing: rest, scheme: "redis", defaultPort: 6379, multipleHosts: false)
            try address.validateRedisDatabase()
            self = .redis(address)
        case "redis-cluster":
            let address = try ServerAddress(parsing: rest, scheme: "redis-cluster", defaultPort: 6379, multipleHosts: true)
            if let database = address.database, database != "0" {
                throw .invalidArgument("redis-cluster URLs take no database index (Redis Cluster has only database 0)")
            }
            self = .redisCluster(address)
        default:
            throw .invalidArgument("unknown store URL scheme '\(scheme)'; expected one of \(StoreLocation.acceptedForms)")
        }
    }

    public var description: String {
        switch self {
        case .memory: return "memory:"
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let address), .mariadb(let address), .redis(let address), .redisCluster(let address):
            return address.description
        }
    }

    /// A best-effort redaction of a URL that failed to parse: whatever stands between the user name's
    /// colon and the last `@` becomes `***`, with or without `//` after the scheme.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let schemeColon = text.firstIndex(of: ":"), schemeColon < at else { return text }
        var credentialsStart = text.index(after: schemeColon)
        if text[credentialsStart...].hasPrefix("//") { credentialsStart = text.index(credentialsStart, offsetBy: 2) }
        guard credentialsStart <= at, let colon = text[credentialsStart..<at].firstIndex(of: ":") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }
}

/// A server endpoint (or several, for a cluster) with credentials and options from a store URL.
public struct ServerAddress: Hashable, Sendable, CustomStringConvertible {
    /// One host and port.
    public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The URL scheme as written (`postgres`, `mysql`, …), for ``description``.
    public var scheme: String
    /// At least one endpoint; several only for `redis-cluster://`.
    public var endpoints: [Endpoint]
    public var user: String?
    /// Never printed: ``description`` shows `***`.
    public var password: String?
    /// The database name (SQL) or index (Redis), percent-decoded; nil when the URL has no path.
    public var database: String?
    /// Query parameters, percent-decoded (`sslmode`, `connect_timeout`, `pool_size`, …), in URL order.
    public var parameters: [(name: String, value: String)]

    public static func == (lhs: ServerAddress, rhs: ServerAddress) -> Bool {
        lhs.scheme == rhs.scheme && lhs.endpoints == rhs.endpoints && lhs.user == rhs.user && lhs.password == rhs.password
            && lhs.database == rhs.database && lhs.parameters.elementsEqual(rhs.parameters, by: { $0 == $1 })
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        hasher.combine(endpoints)
        hasher.combine(user)
        hasher.combine(database)
    }

    /// The value of query parameter `name`, if given.
    public func parameter(_ name: String) -> String? {
        parameters.last(where: { $0.name == name })?.value
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        var text = "\(scheme)://"
        if user != nil || password != nil {
            text += user ?? ""
            if password != nil { text += ":***" }
            text += "@"
        }
        text += endpoints.map(\.description).joined(separator: ",")
        if let database { text += "/\(database)" }
        if !parameters.isEmpty {
            text += "?" + parameters.map { "\($0.name)=\(Self.isSecretParameter($0.name) ? "***" : $0.value)" }.joined(separator: "&")
        }
        return text
    }

    static func isSecretParameter(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("password") || lower == "pass" || lower == "pwd"
    }

    init(parsing rest: String, scheme: String, defaultPort: Int, multipleHosts: Bool) throws(IdentityStorageError) {
        self.scheme = scheme
        let shown = StoreLocation.redacted("\(scheme):\(rest)")
        guard rest.hasPrefix("//") else {
            throw .invalidArgument("store URL '\(shown)' must start with \(scheme)://")
        }
        var remainder = Substring(rest.dropFirst(2))
        var query: Substring = ""
        if let questionMark = remainder.firstIndex(of: "?") {
            query = remainder[remainder.index(after: questionMark)...]
            remainder = remainder[..<questionMark]
        }
        var path: Substring?
        var authority = remainder
        if let slash = remainder.firstIndex(of: "/") {
            path = remainder[remainder.index(after: slash)...]
            authority = remainder[..<slash]
        }
        var hosts = authority
        user = nil
        password = nil
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            hosts = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decode(credentials[..<colon], what: "user name", in: shown)
                password = try Self.decode(credentials[credentials.index(after: colon)...], what: "password", in: shown)
            } else {
                user = try Self.decode(credentials, what: "user name", in: shown)
            }
            if user?.isEmpty == true { user = nil }
        }
        guard !hosts.isEmpty else {
            throw .invalidArgument("store URL '\(shown)' has no host; expected \(scheme)://host:port")
        }
        var endpoints: [Endpoint] = []
        for item in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            endpoints.append(try Self.endpoint(item, defaultPort: defaultPort, in: shown))
        }
        if endpoints.count > 1, !multipleHosts {
            throw .invalidArgument("store URL '\(shown)' lists several hosts; only redis-cluster:// takes a host list")
        }
        self.endpoints = endpoints
        if let path, !path.isEmpty {
            database = try Self.decode(path, what: "database", in: shown)
        } else {
            database = nil
        }
        var parameters: [(name: String, value: String)] = []
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], what: "parameter name", in: shown)
            let value = parts.count > 1 ? try Self.decode(parts[1], what: "parameter '\(name)'", in: shown) : ""
            guard !name.isEmpty else { throw .invalidArgument("store URL '\(shown)' has a parameter without a name") }
            parameters.append((name, value))
        }
        self.parameters = parameters
    }

    public init(scheme: String, endpoints: [Endpoint], user: String? = nil, password: String? = nil, database: String? = nil,
                parameters: [(name: String, value: String)] = []) {
        self.scheme = scheme
        self.endpoints = endpoints
        self.user = user
        self.password = password
        self.database = database
        self.parameters = parameters
    }

    func validateRedisDatabase() throws(IdentityStorageError) {
        if let database, Int(database).map({ $0 < 0 }) ?? true {
            throw .invalidArgument("redis URL database '\(database)' is not a database index (0, 1, …)")
        }
    }

    private static func endpoint(_ text: Substring, defaultPort: Int, in shown: String) throws(IdentityStorageError) -> Endpoint {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw .invalidArgument("store URL '\(shown)' has an unclosed IPv6 address")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw .invalidArgument("store URL '\(shown)' has text after an IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .invalidArgument("store URL '\(shown)' has an empty host") }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidArgument("store URL '\(shown)' has port '\(portText)'; expected a number from 1 to 65535")
            }
            port = value
        }
        return Endpoint(host: String(host), port: port)
    }

    private static func decode(_ text: Substring, what: String, in shown: String) throws(IdentityStorageError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .invalidArgument("store URL '\(shown)' has a bad percent-escape in the \(what)")
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self), !decoded.utf8.contains(0) else {
            throw .invalidArgument("store URL '\(shown)' has a \(what) that is not valid UTF-8 text")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
