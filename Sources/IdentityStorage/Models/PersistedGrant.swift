import Foundation

/// A persisted grant: an authorization code, refresh token, reference token, consent or CIBA request.
///
/// ``key`` is usually a hash computed by the caller. ``data`` is opaque (data-protected JSON) and
/// round-trips byte-exactly. Stores never enforce expiry on reads; callers check ``expiration``.
public struct PersistedGrant: Hashable, Sendable, Codable {
    /// Unique, case-sensitive key.
    public var key: String
    /// The grant type (see ``PersistedGrantType``).
    public var type: String
    /// Nil for grants without a user (client-credentials reference tokens).
    public var subjectId: String?
    public var sessionId: String?
    public var clientId: String
    public var description: String?
    public var creationTime: Date
    /// Nil for grants that never expire (consents without a lifetime); cleanup never removes those.
    public var expiration: Date?
    /// Set once by ``PersistedGrantStore/consumeGrant(forKey:)``.
    public var consumedTime: Date?
    /// Opaque payload.
    public var data: String

    public init(key: String, type: String, subjectId: String? = nil, sessionId: String? = nil, clientId: String,
                description: String? = nil, creationTime: Date, expiration: Date? = nil, consumedTime: Date? = nil, data: String) {
        self.key = key
        self.type = type
        self.subjectId = subjectId
        self.sessionId = sessionId
        self.clientId = clientId
        self.description = description
        self.creationTime = creationTime
        self.expiration = expiration
        self.consumedTime = consumedTime
        self.data = data
    }
}

/// The grant types IdentityServer writes.
public enum PersistedGrantType {
    public static let authorizationCode = "authorization_code"
    public static let backchannelAuthenticationRequest = "ciba"
    public static let referenceToken = "reference_token"
    public static let refreshToken = "refresh_token"
    public static let userConsent = "user_consent"
    public static let deviceCode = "device_code"
    public static let userCode = "user_code"
}
