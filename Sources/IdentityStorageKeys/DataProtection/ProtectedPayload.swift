import Crypto
import Foundation

/// The bytes of a protected payload:
///
/// ```
/// version (1 byte, 0x01) | key id (16) | purpose tag (4) | flags (1) | [expiry, µs since 1970, 8 bytes big-endian]
/// | nonce (12) | ciphertext | tag (16)
/// ```
///
/// The header (everything before the nonce) is AES-GCM's additional data: altering any of it fails authentication.
enum ProtectedPayload {
    static let version: UInt8 = 0x01
    static let fixedHeaderLength = 22
    static let expiryFlag: UInt8 = 0x01
    static let sealOverhead = 12 + 16

    /// What the header says.
    struct Header {
        var keyId: UUID
        var purposeTag: UInt32
        var expiresAt: Int64?
        var length: Int
    }

    /// The header bytes for a payload protected now.
    static func header(keyId: [UInt8], purposeTag: UInt32, expiresAt: Int64?) -> [UInt8] {
        var header = [UInt8]()
        header.reserveCapacity(fixedHeaderLength + 8)
        header.append(version)
        header.append(contentsOf: keyId)
        withUnsafeBytes(of: purposeTag.bigEndian) { header.append(contentsOf: $0) }
        header.append(expiresAt == nil ? 0 : expiryFlag)
        if let expiresAt { withUnsafeBytes(of: expiresAt.bigEndian) { header.append(contentsOf: $0) } }
        return header
    }

    /// Reads the header of `payload`, checking only that it is long enough to hold a sealed box after it.
    static func parse(_ payload: Data) throws(DataProtectionError) -> Header {
        guard let first = payload.first else { throw .truncated }
        guard first == version else { throw .unsupportedFormat(version: first) }
        guard payload.count >= fixedHeaderLength + sealOverhead else { throw .truncated }
        return payload.withUnsafeBytes { bytes in
            let id = UUID(uuid: (bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                                 bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15], bytes[16]))
            let tag = UInt32(bytes[17]) << 24 | UInt32(bytes[18]) << 16 | UInt32(bytes[19]) << 8 | UInt32(bytes[20])
            var header = Header(keyId: id, purposeTag: tag, expiresAt: nil, length: fixedHeaderLength)
            if bytes[21] & expiryFlag != 0 {
                var expiry: UInt64 = 0
                for index in 22..<min(30, bytes.count) { expiry = expiry << 8 | UInt64(bytes[index]) }
                header.expiresAt = Int64(bitPattern: expiry)
                header.length += 8
            }
            return header
        }
    }
}

extension UUID {
    /// The 16 bytes of the UUID.
    var bytes: [UInt8] {
        withUnsafeBytes(of: uuid) { Array($0) }
    }
}
