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
    /// The user's session id, when the grant belongs to a session.
    public var sessionId: String?
    /// The client the grant was issued to.
    public var clientId: String
    /// Free text describing the grant (for a consent, what the user saw, for instance).
    public var description: String?
    /// When the grant was issued.
    public var creationTime: Date
    /// Nil for grants that never expire (consents without a lifetime); cleanup never removes those.
    public var expiration: Date?
    /// Set once by ``PersistedGrantStore/consumeGrant(forKey:)``.
    public var consumedTime: Date?
    /// Opaque payload.
    public var data: String
    /// The refresh-token family this grant belongs to (see ``PersistedGrantStore/rotateRefreshToken(presented:successor:policy:)``).
    /// Nil for a grant never rotated and not issued by rotation: such a grant is a family of one whose id is its own ``key``.
    public var familyId: String?
    /// The key of the grant this one was last rotated to; set by a rotation (and a reuse within the grace period).
    public var successorKey: String?
    /// How many times this consumed refresh token was presented again within the grace period and answered with a
    /// new successor (see ``RefreshTokenRotationPolicy/maxReuseCount``). 0 for every grant never so reused.
    public var reuseCount: Int

    /// A grant with the given fields; a new grant is not consumed, and is a family of one unless `familyId` is given.
    public init(key: String, type: String, subjectId: String? = nil, sessionId: String? = nil, clientId: String,
                description: String? = nil, creationTime: Date, expiration: Date? = nil, consumedTime: Date? = nil, data: String,
                familyId: String? = nil, successorKey: String? = nil, reuseCount: Int = 0) {
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
        self.familyId = familyId
        self.successorKey = successorKey
        self.reuseCount = reuseCount
    }

    /// The family this grant belongs to: ``familyId``, or its own key for a family of one.
    public var family: String { familyId ?? key }

    private enum CodingKeys: String, CodingKey {
        case key, type, subjectId, sessionId, clientId, description, creationTime, expiration, consumedTime, data
        case familyId, successorKey, reuseCount
    }

    /// Decodes a grant; documents written before families existed (no `familyId`, `successorKey`, `reuseCount`)
    /// decode as families of one.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(key: try container.decode(String.self, forKey: .key), type: try container.decode(String.self, forKey: .type),
                  subjectId: try container.decodeIfPresent(String.self, forKey: .subjectId),
                  sessionId: try container.decodeIfPresent(String.self, forKey: .sessionId),
                  clientId: try container.decode(String.self, forKey: .clientId),
                  description: try container.decodeIfPresent(String.self, forKey: .description),
                  creationTime: try container.decode(Date.self, forKey: .creationTime),
                  expiration: try container.decodeIfPresent(Date.self, forKey: .expiration),
                  consumedTime: try container.decodeIfPresent(Date.self, forKey: .consumedTime),
                  data: try container.decode(String.self, forKey: .data),
                  familyId: try container.decodeIfPresent(String.self, forKey: .familyId),
                  successorKey: try container.decodeIfPresent(String.self, forKey: .successorKey),
                  reuseCount: try container.decodeIfPresent(Int.self, forKey: .reuseCount) ?? 0)
    }
}

/// The grant types IdentityServer writes.
public enum PersistedGrantType {
    /// An authorization code.
    public static let authorizationCode = "authorization_code"
    /// A client-initiated backchannel authentication (CIBA) request.
    public static let backchannelAuthenticationRequest = "ciba"
    /// A reference access token.
    public static let referenceToken = "reference_token"
    /// A refresh token.
    public static let refreshToken = "refresh_token"
    /// A user's consent to a client's scopes.
    public static let userConsent = "user_consent"
    /// A device code (the device flow).
    public static let deviceCode = "device_code"
    /// A user code (the device flow).
    public static let userCode = "user_code"
}
