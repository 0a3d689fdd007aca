extension StoreURL {
    /// Parses a store URL (see ``StoreURL`` for the two forms).
    ///
    /// Throws ``IdentityStorageError/Code-swift.struct/invalidArgument`` for a URL without a scheme, a bad
    /// percent-escape, text that is not UTF-8 after decoding or holds a NUL byte, an empty host in a list, a port
    /// outside 1–65535, or a parameter without a name. The message shows the URL redacted, never the password.
    public init(parsing text: String) throws(IdentityStorageError) {
        let trimmed = text.trimmingWhitespace
        let shown = Self.redacting(trimmed)
        guard let colon = trimmed.firstIndex(of: ":"), Self.isScheme(trimmed[..<colon]) else {
            throw .invalidArgument("store URL '\(shown)' has no scheme; expected scheme:path or scheme://host/path")
        }
        self.init(scheme: String(trimmed[..<colon]), hasAuthority: false)
        var rest = trimmed[trimmed.index(after: colon)...]
        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        if rest.hasPrefix("//") {
            hasAuthority = true
            rest = rest.dropFirst(2)
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            try parseAuthority(rest[..<authorityEnd], shown: shown)
            rest = rest[authorityEnd...]
        }
        path = try Self.decode(rest, what: "path", in: shown)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], what: "parameter name", in: shown)
            guard !name.isEmpty else { throw .invalidArgument("store URL '\(shown)' has a parameter without a name") }
            let value = parts.count > 1 ? try Self.decode(parts[1], what: "parameter '\(name)'", in: shown) : ""
            parameters.append(Parameter(name, value))
        }
    }

    /// `text` as it may be shown in a message or a description: the URL's redacted ``description`` when it parses,
    /// else the best-effort ``redacting(_:)``.
    public static func redactedDescription(of text: String) -> String {
        (try? StoreURL(parsing: text))?.description ?? redacting(text)
    }

    /// `text` with whatever stands between the user name's colon and the last `@` replaced by `***`, and the value of
    /// every password-like query parameter (``isSecret(_:)``) too: a best-effort redaction for URLs that failed to
    /// parse, which may lack their scheme (`//app:secret@db/idp`) or fail on a parameter after the password's.
    public static func redacting(_ text: String) -> String {
        var redacted = text
        if let at = redacted.lastIndex(of: "@") {
            // The user information starts after `//` when there is one, else after the scheme's colon.
            let start = redacted[..<at].range(of: "//")?.upperBound ?? redacted[..<at].firstIndex(of: ":").map { redacted.index(after: $0) }
            if let start, let colon = redacted[start..<at].firstIndex(of: ":") {
                redacted = String(redacted[...colon]) + "***" + String(redacted[at...])
            }
        }
        guard let questionMark = redacted.firstIndex(of: "?") else { return redacted }
        let parameters = redacted[redacted.index(after: questionMark)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return isSecret(name) && pair.contains("=") ? "\(name)=***" : String(pair)
        }
        return String(redacted[...questionMark]) + parameters.joined(separator: "&")
    }

    private mutating func parseAuthority(_ authority: Substring, shown: String) throws(IdentityStorageError) {
        var hostList = authority
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            hostList = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decode(credentials[..<colon], what: "user name", in: shown)
                password = try Self.decode(credentials[credentials.index(after: colon)...], what: "password", in: shown)
            } else {
                user = try Self.decode(credentials, what: "user name", in: shown)
            }
            if user?.isEmpty == true { user = nil }
            guard !hostList.isEmpty else { throw .invalidArgument("store URL '\(shown)' has credentials but no host") }
        }
        guard !hostList.isEmpty else { return }
        for item in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            hosts.append(try Self.host(item, in: shown))
        }
    }

    private static func host(_ text: Substring, in shown: String) throws(IdentityStorageError) -> Host {
        var name = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidArgument("store URL '\(shown)' has an unclosed IPv6 address") }
            name = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw .invalidArgument("store URL '\(shown)' has text after an IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            name = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !name.isEmpty else { throw .invalidArgument("store URL '\(shown)' has an empty host") }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidArgument("store URL '\(shown)' has port '\(portText)'; expected a number from 1 to 65535")
            }
            port = value
        }
        return Host(try decode(name, what: "host", in: shown), port: port)
    }

    /// RFC 3986: a letter, then letters, digits, `+`, `-` or `.`.
    private static func isScheme(_ text: Substring) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
        guard let first = text.utf8.first, isLetter(first) else { return false }
        return text.utf8.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || "+-.".utf8.contains($0) }
    }

    private static func decode(_ text: Substring, what: String, in shown: String) throws(IdentityStorageError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .invalidArgument("store URL '\(shown)' has a bad percent-escape in the \(what)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self), !decoded.utf8.contains(0) else {
            throw .invalidArgument("store URL '\(shown)' has a \(what) that is not valid UTF-8 text without NUL bytes")
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
