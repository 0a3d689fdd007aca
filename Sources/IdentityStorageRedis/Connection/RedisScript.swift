import Crypto

/// A Lua script run with `EVALSHA` (and loaded with `EVAL` when a server answers `NOSCRIPT`).
struct RedisScript: Sendable {
    /// A short name for error messages.
    let name: String
    let source: [UInt8]
    /// Lower-case hex SHA-1 of the source, as Redis names scripts.
    let sha1: String
    /// The commands it runs, upper-case (a refused one is named in the `permissionDenied` error).
    let commands: [String]
    /// Whether the script only reads for its caller (see ``RedisCommand/isRead``).
    let isRead: Bool

    init(_ name: String, isRead: Bool = false, _ body: String) {
        self.name = name
        self.isRead = isRead
        // A configuration write whose PUBLISH the ACL refuses would fail after its writes: it is refused before them.
        let guarded = body.contains(RedisConfigurationListener.publish) ? RedisConfigurationListener.publishGuard + body : body
        let text = RedisScript.prelude + guarded
        source = Array(text.utf8)
        commands = Self.calledCommands(in: body)
        sha1 = Insecure.SHA1.hash(data: source).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// Helpers every script shares. Instants are integer microseconds, exact in Lua's doubles (below 2^53);
    /// `int` prints them without an exponent.
    static let prelude = """
        local function int(n) return string.format('%.0f', n) end

        """
}

/// Redis Cluster hash slots: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.
package enum RedisSlot {
    package static let count = 16384

    private static let table: [UInt16] = (0..<256).map { index -> UInt16 in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    /// CRC16-XMODEM of `bytes`.
    static func crc16<C: Collection<UInt8>>(_ bytes: C) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes { crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)] }
        return crc
    }

    /// The slot of `key`: the bytes between the first `{` and the next `}` when that span is not empty, else the whole key.
    static func of<C: BidirectionalCollection<UInt8>>(_ key: C) -> Int {
        if let open = key.firstIndex(of: UInt8(ascii: "{")) {
            let afterOpen = key.index(after: open)
            if let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen {
                return Int(crc16(key[afterOpen..<close])) % count
            }
        }
        return Int(crc16(key)) % count
    }
}
