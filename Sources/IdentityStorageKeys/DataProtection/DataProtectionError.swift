import Foundation

/// Why a payload did not unprotect. Every malformed, altered or foreign input gives one of these; none crashes.
public enum DataProtectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Shorter than a header, a nonce and a tag: cut off, or not a protected payload at all.
    case truncated
    /// A header this library does not write (another format, or a newer version of it).
    case unsupportedFormat(version: UInt8)
    /// No key of the ring has the id the header names (another ring, or a key deleted since).
    case unknownKey(UUID)
    /// The key that protected it was revoked.
    case revokedKey(UUID)
    /// It was protected for another purpose chain.
    case wrongPurpose
    /// Its bytes were altered after protection (the authentication tag does not match).
    case tampered
    /// It carried an expiry, and that instant has passed.
    case expired(Date)
    /// The key is in the ring but its material cannot be read here (encrypted under a key-encryption key this
    /// process was not given).
    case keyUnavailable(UUID)

    public var description: String {
        switch self {
        case .truncated: "the protected payload is truncated"
        case .unsupportedFormat(let version): "the protected payload has an unknown format (version byte \(version))"
        case .unknownKey(let id): "the key \(id.uuidString.lowercased()) that protected the payload is not in the key ring"
        case .revokedKey(let id): "the key \(id.uuidString.lowercased()) that protected the payload was revoked"
        case .wrongPurpose: "the payload was protected for another purpose"
        case .tampered: "the protected payload was altered (its authentication tag does not match)"
        case .expired(let date): "the protected payload expired at \(date)"
        case .keyUnavailable(let id): "the material of key \(id.uuidString.lowercased()) cannot be read: it is encrypted under a key-encryption key this process lacks"
        }
    }
}
