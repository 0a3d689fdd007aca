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
    /// Whether the client may use the server at all. Default: true.
    public var enabled: Bool = true
    /// The protocol the client speaks; `"oidc"` for OpenID Connect and OAuth 2.0. Default: `"oidc"`.
    public var protocolType: String = "oidc"
    /// The client's secrets (usually hashes of shared secrets, or certificate thumbprints).
    public var clientSecrets: Set<Secret> = []
    /// Whether the client must present a secret at the token endpoint. Default: true.
    public var requireClientSecret: Bool = true
    /// The name shown to users, on consent screens for instance.
    public var clientName: String?
    /// Free text describing the client.
    public var description: String?
    /// The client's home page, shown on consent screens.
    public var clientUri: String?
    /// The client's logo, shown on consent screens.
    public var logoUri: String?
    /// Whether the user must consent before the client gets tokens. Default: false.
    public var requireConsent: Bool = false
    /// Whether the user may have a consent remembered. Default: true.
    public var allowRememberConsent: Bool = true
    /// The grant types the client may use (`authorization_code`, `client_credentials`, `refresh_token`, …).
    public var allowedGrantTypes: Set<String> = []
    /// Whether an authorization-code request must carry a PKCE code challenge (RFC 7636). Default: true.
    public var requirePkce: Bool = true
    /// Whether the PKCE challenge may use the `plain` method instead of `S256`. Default: false.
    public var allowPlainTextPkce: Bool = false
    /// Whether authorization requests must be sent as a request object (JAR, RFC 9101). Default: false.
    public var requireRequestObject: Bool = false
    /// Whether access tokens may be returned through the browser (the implicit and hybrid flows). Default: false.
    public var allowAccessTokensViaBrowser: Bool = false
    /// Whether the client must use DPoP-bound tokens (RFC 9449). Default: false.
    public var requireDPoP: Bool = false
    /// Which freshness checks DPoP proofs get. Default: ``DPoPValidationMode/iat``.
    public var dPoPValidationMode: DPoPValidationMode = .iat
    /// Allowed clock skew for DPoP proofs, in seconds.
    public var dPoPClockSkew: Int = 300
    /// The URIs the authorization endpoint may redirect to; compared exactly.
    public var redirectUris: Set<String> = []
    /// The URIs the end-session endpoint may redirect to after logout.
    public var postLogoutRedirectUris: Set<String> = []
    /// The URI called in an iframe for front-channel logout.
    public var frontChannelLogoutUri: String?
    /// Whether the front-channel logout URI receives the user's session id (`sid`) and issuer. Default: true.
    public var frontChannelLogoutSessionRequired: Bool = true
    /// The URI called server to server for back-channel logout.
    public var backChannelLogoutUri: String?
    /// Whether the back-channel logout token carries the user's session id (`sid`). Default: true.
    public var backChannelLogoutSessionRequired: Bool = true
    /// Whether the client may request refresh tokens (the `offline_access` scope). Default: false.
    public var allowOfflineAccess: Bool = false
    /// The scopes (identity resources and API scopes) the client may request.
    public var allowedScopes: Set<String> = []
    /// Whether the user's claims go into the ID token even when an access token is issued with it. Default: false.
    public var alwaysIncludeUserClaimsInIdToken: Bool = false
    /// The ID token's lifetime, in seconds. Default: 300.
    public var identityTokenLifetime: Int = 300
    /// The algorithms the client's ID tokens may be signed with; empty for the server's default.
    public var allowedIdentityTokenSigningAlgorithms: Set<String> = []
    /// The access token's lifetime, in seconds. Default: 3600.
    public var accessTokenLifetime: Int = 3600
    /// The authorization code's lifetime, in seconds. Default: 300.
    public var authorizationCodeLifetime: Int = 300
    /// A refresh token's maximum lifetime, in seconds. Default: 2,592,000 (30 days).
    public var absoluteRefreshTokenLifetime: Int = 2_592_000
    /// With sliding expiration, how long a refresh token lives after each use, in seconds. Default: 1,296,000 (15
    /// days).
    public var slidingRefreshTokenLifetime: Int = 1_296_000
    /// Nil: consents never expire.
    public var consentLifetime: Int?
    /// The lifetime of a pushed authorization request, in seconds; nil for the server's default.
    public var pushedAuthorizationLifetime: Int?
    /// Whether the client must push its authorization requests first (PAR, RFC 9126). Default: false.
    public var requirePushedAuthorization: Bool = false
    /// Whether a refresh token keeps its handle on use or is replaced by a new one. Default:
    /// ``RefreshTokenUsage/reUse``.
    public var refreshTokenUsage: RefreshTokenUsage = .reUse
    /// Whether the access token's claims are refreshed when a refresh token is used. Default: false.
    public var updateAccessTokenClaimsOnRefresh: Bool = false
    /// Whether a refresh token's lifetime is fixed or slides with use. Default: ``RefreshTokenExpiration/absolute``.
    public var refreshTokenExpiration: RefreshTokenExpiration = .absolute
    /// Whether access tokens are JWTs or reference handles. Default: ``AccessTokenType/jwt``.
    public var accessTokenType: AccessTokenType = .jwt
    /// Whether the user may log in locally (with a password) rather than only through an external provider. Default:
    /// true.
    public var enableLocalLogin: Bool = true
    /// The external identity providers the user may log in with for this client; empty allows every one.
    public var identityProviderRestrictions: Set<String> = []
    /// Whether JWT access tokens carry a unique id (`jti`). Default: true.
    public var includeJwtId: Bool = true
    /// Claims added to the client's access tokens.
    public var claims: Set<ClientClaim> = []
    /// Whether the client claims are sent in every flow, not only client credentials. Default: false.
    public var alwaysSendClientClaims: Bool = false
    /// The prefix of the client claims' types; nil for none. Default: `"client_"`.
    public var clientClaimsPrefix: String? = "client_"
    /// The salt of pairwise subject identifiers; nil for public subject identifiers.
    public var pairWiseSubjectSalt: String?
    /// How long, in seconds, since the user last logged in the client still accepts the session without a new login;
    /// nil for no limit.
    public var userSsoLifetime: Int?
    /// The kind of user code the device flow generates; nil for the server's default.
    public var userCodeType: String?
    /// The device code's lifetime, in seconds. Default: 300.
    public var deviceCodeLifetime: Int = 300
    /// The lifetime of a CIBA request, in seconds; nil for the server's default.
    public var cibaLifetime: Int?
    /// How often, in seconds, the client may poll the token endpoint in the device and CIBA flows; nil for the server's
    /// default.
    public var pollingInterval: Int?
    /// Whether token lifetimes are bounded by the user's server-side session; nil for the server's default.
    public var coordinateLifetimeWithUserSession: Bool?
    /// Origins allowed for CORS, stored normalised (see ``CorsOrigin``).
    public var allowedCorsOrigins: Set<String> = []
    /// The client's login-initiation URI (OpenID Connect third-party-initiated login).
    public var initiateLoginUri: String?
    /// Free-form settings, as upstream's string properties.
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

    /// A page of `clients`, continued from `nextCursor` (nil on the last page).
    public init(clients: [Client], nextCursor: String?) {
        self.clients = clients
        self.nextCursor = nextCursor
    }
}
