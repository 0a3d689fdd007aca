import Foundation

/// A data-protection key of the key ring (ASP.NET Core's `IKey`): it protects new payloads from its activation until
/// its expiration while it is the default key, and unprotects what it protected for as long as it is in the ring,
/// expired or not, unless it is revoked.
public struct DataProtectionKey: Sendable, Hashable {
    /// The key id every payload it protects names in its header.
    public var id: UUID
    /// When the key was made.
    public var created: Date
    /// From when it may become the default key.
    public var activation: Date
    /// From when it protects nothing new (it still unprotects).
    public var expiration: Date
    /// When set, the key unprotects nothing.
    public var revoked: Revocation?
    /// The key-encryption key of each stored copy of its material (nil: stored in the clear). Several while a
    /// rewrap is under way.
    public var keyEncryptionKeyIds: [String?]

    /// A revocation: when it was recorded and why.
    public struct Revocation: Sendable, Hashable {
        /// When the revocation was recorded.
        public var date: Date
        /// Why, as the operator gave it (`idstore keys revoke ID --reason`); nil when none was given.
        public var reason: String?
    }

    /// The key's state at `now`, ignoring which key is the default.
    public func status(at now: Date) -> Status {
        if revoked != nil { return .revoked }
        if now < activation { return .pending }
        return now < expiration ? .active : .expired
    }

    /// A key's state.
    public enum Status: String, Sendable {
        /// Created, announced, not yet activated.
        case pending
        /// Activated and not expired: it may be the default key.
        case active
        /// Past its expiration: unprotects only.
        case expired
        /// Unprotects nothing.
        case revoked
    }
}
