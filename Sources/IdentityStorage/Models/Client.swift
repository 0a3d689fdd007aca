import Foundation

/// How refresh tokens behave when used.
public enum RefreshTokenUsage: Int, Hashable, Sendable, Codable, CaseIterable {
    /// The handle stays the same on refresh (Duende 7's default).
    case reUse = 0
    /// A new handle is issued on each refresh; the old one is consumed.
    case oneTimeOnly = 1
}

/// How a refresh token's lifetime is computed.
public enum RefreshTokenExpiration: Int, Hashable, Sendable, Codable, CaseIterable {
    /// Renewed on each use, up to the absolute lifetime.
    case sliding = 0
    /// Fixed at issue.
    case absolute = 1
}

/// The format of issued access tokens.
public enum AccessTokenType: Int, Hashable, Sendable, Codable, CaseIterable {
    /// Self-contained JWT.
    case jwt = 0
    /// A reference handle stored as a persisted grant.
    case reference = 1
}

/// How DPoP proofs are checked for freshness (flags).
public struct DPoPValidationMode: OptionSet, Hashable, Sendable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Neither check; custom validation only.
    public static let custom: DPoPValidationMode = []
    /// Check the proof's `iat`.
    public static let iat = DPoPValidationMode(rawValue: 1)
    /// Check a server-issued nonce.
    public static let nonce = DPoPValidationMode(rawValue: 2)
    /// Every valid combination of flags.
    public static let all: DPoPValidationMode = [.iat, .nonce]
}

/// An OAuth 2.0 / OpenID Connect client, with every field of upstream's model (Duende 7).
///
/// Collections are sets (upstream's are, and the SQL schemas make them unique); ``properties`` is a dictionary.
/// Lifetimes are in whole seconds. Defaults are upstream's.
public struct Client: Hashable, Sendable, Codable {
    /// Unique, case-sensitive id; at most ``IdentityStorageLimits/maxKeyBytes`` bytes.
    public var clientId: String
    public var enabled: Bool = true
    public var protocolType: String = "oidc"
    public var clientSecrets: Set<Secret> = []
    public var requireClientSecret: Bool = true
    public var clientName: String?
    public var description: String?
    public var clientUri: String?
    public var logoUri: String?
    public var requireConsent: Bool = false
    public var allowRememberConsent: Bool = true
    public var allowedGrantTypes: Set<String> = []
    public var requirePkce: Bool = true
    public var allowPlainTextPkce: Bool = false
    public var requireRequestObject: Bool = false
    public var allowAccessTokensViaBrowser: Bool = false
    public var requireDPoP: Bool = false
    public var dPoPValidationMode: DPoPValidationMode = .iat
    /// Allowed clock skew for DPoP proofs, in seconds.
    public var dPoPClockSkew: Int = 300
    public var redirectUris: Set<String> = []
    public var postLogoutRedirectUris: Set<String> = []
    public var frontChannelLogoutUri: String?
    public var frontChannelLogoutSessionRequired: Bool = true
    public var backChannelLogoutUri: String?
    public var backChannelLogoutSessionRequired: Bool = true
    public var allowOfflineAccess: Bool = false
    public var allowedScopes: Set<String> = []
    public var alwaysIncludeUserClaimsInIdToken: Bool = false
    public var identityTokenLifetime: Int = 300
    public var allowedIdentityTokenSigningAlgorithms: Set<String> = []
    public var accessTokenLifetime: Int = 3600
    public var authorizationCodeLifetime: Int = 300
    public var absoluteRefreshTokenLifetime: Int = 2_592_000
    public var slidingRefreshTokenLifetime: Int = 1_296_000
    /// Nil: consents never expire.
    public var consentLifetime: Int?
    public var pushedAuthorizationLifetime: Int?
    public var requirePushedAuthorization: Bool = false
    public var refreshTokenUsage: RefreshTokenUsage = .reUse
    public var updateAccessTokenClaimsOnRefresh: Bool = false
    public var refreshTokenExpiration: RefreshTokenExpiration = .absolute
    public var accessTokenType: AccessTokenType = .jwt
    public var enableLocalLogin: Bool = true
    public var identityProviderRestrictions: Set<String> = []
    public var includeJwtId: Bool = true
    public var claims: Set<ClientClaim> = []
    public var alwaysSendClientClaims: Bool = false
    public var clientClaimsPrefix: String? = "client_"
    public var pairWiseSubjectSalt: String?
    public var userSsoLifetime: Int?
    public var userCodeType: String?
    public var deviceCodeLifetime: Int = 300
    public var cibaLifetime: Int?
    public var pollingInterval: Int?
    public var coordinateLifetimeWithUserSession: Bool?
    /// Origins allowed for CORS, stored normalised (see ``CorsOrigin``).
    public var allowedCorsOrigins: Set<String> = []
    public var initiateLoginUri: String?
    public var properties: [String: String] = [:]

    /// A client with upstream's defaults.
    public init(clientId: String) {
        self.clientId = clientId
    }
}

/// One page of clients, ordered by ``Client/clientId`` (byte order).
public struct ClientPage: Hashable, Sendable {
    /// The clients of this page.
    public var clients: [Client]
    /// Pass to the next call to continue; nil when this was the last page.
    public var nextCursor: String?

    public init(clients: [Client], nextCursor: String?) {
        self.clients = clients
        self.nextCursor = nextCursor
    }
}
