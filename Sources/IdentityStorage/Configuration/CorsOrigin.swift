/// CORS origin normalisation: lower-case `scheme://host[:port]`, default ports dropped, no path.
public enum CorsOrigin {
    /// Longest stored origin, in UTF-8 bytes: what every backend can index (MariaDB's key length bounds it).
    public static let maxBytes = 500

    /// The normalised form of `origin`, or throws ``IdentityStorageError/Code-swift.struct/invalidArgument``
    /// when it is not an `http(s)://host[:port]` origin, ``IdentityStorageError/Code-swift.struct/tooLarge``
    /// when it is longer than ``maxBytes``.
    public static func normalize(_ origin: String) throws(IdentityStorageError) -> String {
        if origin.utf8.count > maxBytes {
            throw .tooLarge("CORS origin is \(origin.utf8.count) bytes; at most \(maxBytes) are allowed")
        }
        guard let normalized = normalizedOrNil(origin) else {
            throw .invalidArgument("'\(origin)' is not a CORS origin; expected scheme://host[:port]")
        }
        return normalized
    }

    /// The normalised form, or nil when `origin` is not an origin.
    public static func normalizedOrNil(_ origin: String) -> String? {
        let lower = origin.lowercased()
        guard let schemeEnd = lower.range(of: "://") else { return nil }
        let scheme = String(lower[..<schemeEnd.lowerBound])
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = lower[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains("@"),
              !rest.contains(where: { $0.isWhitespace || $0 == "\0" }) else { return nil }
        var host = String(rest)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            let portText = host[host.index(after: colon)...]
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            host = String(host[..<colon])
            guard !host.isEmpty else { return nil }
            let isDefault = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
            return isDefault ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
        }
        return "\(scheme)://\(host)"
    }
}
