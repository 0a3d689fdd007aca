/// A store URL as a server author writes it in configuration, parsed once for every driver.
///
/// Two forms, both percent-decoded:
/// - with an authority: `scheme://[user[:password]@][host[:port][,host[:port]…]][/path][?name=value&…]`
///   (`postgres://app:secret@db:5432/identity?sslmode=require`, `redis-cluster://h1:7000,h2:7000`);
/// - opaque: `scheme:[path][?name=value&…]` (`memory:`, `sqlite:identity.db`, `sqlite::memory:`).
///
/// The URL knows no backend: a driver reads the components it needs and its own parameters
/// (``StoreURLParameters``). The scheme is lower-cased; everything else is kept as written.
///
/// The password is never printed: ``description``, `String(reflecting:)` and `dump` show `***` in its place,
/// and in place of every query parameter whose name mentions a password.
public struct StoreURL: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One host of the authority, with its port when the URL gives one.
    public struct Host: Sendable, Hashable, CustomStringConvertible {
        /// The host name or IP address (an IPv6 address without its brackets).
        public var name: String
        /// The port, when the URL gives one; drivers apply their default otherwise.
        public var port: Int?

        /// The host `name`, with `port` when the URL gives one.
        public init(_ name: String, port: Int? = nil) {
            self.name = name
            self.port = port
        }

        /// `host:port` (IPv6 addresses in brackets), without the port when there is none.
        public var description: String {
            let shown = name.contains(":") ? "[\(name)]" : name
            return port.map { "\(shown):\($0)" } ?? shown
        }
    }

    /// One query parameter, in URL order. Names are compared by drivers through ``StoreURLParameters``.
    public struct Parameter: Sendable, Hashable {
        /// The parameter's name, as written.
        public var name: String
        /// The parameter's value, percent-decoded.
        public var value: String

        /// A parameter `name` with `value`.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The scheme, lower-cased (`postgres`, `sqlite`, `memory`, …).
    public var scheme: String
    /// Whether the URL has an authority (`scheme://…`) rather than being opaque (`scheme:path`).
    public var hasAuthority: Bool
    /// The user name, when the authority has one.
    public var user: String?
    /// The password, when the authority has one. Never printed.
    public var password: String?
    /// The hosts of the authority, in URL order; empty for an opaque URL or an empty authority (`file:///etc/idp`).
    public var hosts: [Host]
    /// The path. With an authority it keeps its leading `/` (`/identity`); opaque, it is everything before `?`
    /// (`identity.db`, `:memory:`). Empty when there is none.
    public var path: String
    /// The query parameters, in URL order.
    public var parameters: [Parameter]

    /// A URL from its components.
    public init(scheme: String, hasAuthority: Bool = true, user: String? = nil, password: String? = nil, hosts: [Host] = [],
                path: String = "", parameters: [Parameter] = []) {
        self.scheme = scheme.lowercased()
        self.hasAuthority = hasAuthority
        self.user = user
        self.password = password
        self.hosts = hosts
        self.path = path
        self.parameters = parameters
    }

    /// The path without its leading `/`, or nil when that leaves nothing: the database name of
    /// `postgres://host/identity`, the index of `redis://host/2`.
    public var pathName: String? {
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return name.isEmpty ? nil : name
    }

    /// The URL as written, with the password and every password-like parameter value replaced by `***`.
    public var description: String {
        var text = scheme + ":"
        if hasAuthority {
            text += "//"
            if user != nil || password != nil {
                text += user.map(Self.escapedUserInfo) ?? ""
                if password != nil { text += ":***" }
                text += "@"
            }
            text += hosts.map(\.description).joined(separator: ",")
        }
        text += path
        if !parameters.isEmpty {
            text += "?" + parameters.map { "\($0.name)=\(Self.isSecret($0.name) ? "***" : $0.value)" }.joined(separator: "&")
        }
        return text
    }

    public var debugDescription: String { description }

    /// Reflection shows the redacted URL only, so `dump` and debuggers never print the password.
    public var customMirror: Mirror { Mirror(self, children: ["url": description], displayStyle: .struct) }

    /// Whether a query parameter named `name` holds a secret (its value is never printed).
    public static func isSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("password") || lower.contains("secret") || lower == "pass" || lower == "pwd"
    }

    private static func escapedUserInfo(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            if ":@/?#%,".unicodeScalars.contains(scalar) {
                escaped += "%" + String(UInt8(scalar.value), radix: 16, uppercase: true)
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
