enum Hex {
    private static let digits = Array("0123456789ABCDEF".utf8)

    /// Upper-case hex of `bytes`.
    static func upper<S: Sequence<UInt8>>(_ bytes: S) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
