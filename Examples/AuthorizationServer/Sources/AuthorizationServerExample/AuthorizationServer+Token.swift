#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import IdentityStorage

extension AuthorizationServer {
    /// The form of a token request (RFC 6749 section 4.1.3, 6 and 4.4; RFC 7636 for the verifier; RFC 7523 for the
    /// assertion).
    struct TokenRequest: Decodable {
        let grantType: String?
        let code: String?
        let redirectUri: String?
        let codeVerifier: String?
        let refreshToken: String?
        let scope: String?
        let clientId: String?
        let clientSecret: String?
        let clientAssertionType: String?
        let clientAssertion: String?

        enum CodingKeys: String, CodingKey {
            case grantType = "grant_type", code, redirectUri = "redirect_uri", codeVerifier = "code_verifier", refreshToken = "refresh_token", scope
            case clientId = "client_id", clientSecret = "client_secret", clientAssertionType = "client_assertion_type"
            case clientAssertion = "client_assertion"
        }
    }

    /// How long the opaque access tokens are said to live; the demo keeps no record of them.
    static let accessTokenLifetime = 3600

    /// `POST /token`: redeems an authorization code, rotates a refresh token or issues a client-credentials token.
    func token(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form = try FormEncoding.decode(TokenRequest.self, from: String(buffer: body))
        let client = try await authenticateClient(form, authorization: request.headers[.authorization])
        guard let grantType = form.grantType else { throw OAuthError.invalidRequest("grant_type is missing") }
        guard client.allowedGrantTypes.contains(grantType) || (grantType == PersistedGrantType.refreshToken && client.allowOfflineAccess) else {
            throw OAuthError.unauthorizedClient("the client may not use \(grantType)")
        }
        let issuer = issuer(request)
        switch grantType {
        case PersistedGrantType.authorizationCode: return try await redeemCode(form, client: client, issuer: issuer)
        case PersistedGrantType.refreshToken: return try await refresh(form, client: client, issuer: issuer)
        case "client_credentials":
            let scopes = try allowedScopes(requested: form.scope, for: client)
            return .json(TokenResponse(accessToken: try await accessToken(issuer: issuer, subject: nil, client: client, scopes: scopes),
                                       expiresIn: Self.accessTokenLifetime, refreshToken: nil, scope: scopes.joined(separator: " ")))
        default: throw OAuthError.unsupportedGrantType("\(grantType) is not supported")
        }
    }

    /// Takes the code's grant: of any number of concurrent redemptions of one code exactly one gets tokens.
    private func redeemCode(_ form: TokenRequest, client: Client, issuer: String) async throws -> Response {
        guard let code = form.code else { throw OAuthError.invalidRequest("code is missing") }
        guard let grant = try await stores.grants.takeGrant(forKey: GrantHandle(value: code).key(type: PersistedGrantType.authorizationCode)) else {
            throw OAuthError.invalidGrant("the code is unknown or was already redeemed")
        }
        let data = try JSONDecoder().decode(CodeData.self, from: Data(grant.data.utf8))
        guard grant.clientId == client.clientId, isLive(grant), data.redirectUri == form.redirectUri else {
            throw OAuthError.invalidGrant("the code was issued to another client or redirect_uri, or has expired")
        }
        // After the take: a wrong verifier spends the code, so a stolen code cannot be tried against many verifiers.
        try verifyPKCE(data.codeChallenge, verifier: form.codeVerifier)
        return try await issueTokens(subject: grant.subjectId, client: client, scopes: data.scopes, issuer: issuer, nonce: data.nonce)
    }

    /// A one-time refresh token is rotated (``refreshTokenRotation``): the first presentation gets a new token, a retry
    /// within the grace period gets one too, a replay after it revokes the token's whole family, and all but the first
    /// two get `invalid_grant` (as does an unknown or expired token, without saying which). A reusable one
    /// (`refreshTokenUsage` reUse) is only read and handed back.
    private func refresh(_ form: TokenRequest, client: Client, issuer: String) async throws -> Response {
        guard let handle = form.refreshToken.map(GrantHandle.init(value:)) else { throw OAuthError.invalidRequest("refresh_token is missing") }
        let key = handle.key(type: PersistedGrantType.refreshToken)
        guard client.refreshTokenUsage == .oneTimeOnly else {
            guard let grant = try await stores.grants.grant(forKey: key), grant.clientId == client.clientId, isLive(grant),
                  grant.consumedTime == nil else {
                throw OAuthError.invalidGrant("the refresh token is unknown, used or expired")
            }
            return try await issueTokens(subject: grant.subjectId, client: client, scopes: try scopes(of: grant), reusing: handle, issuer: issuer, nonce: nil)
        }
        // Read first, as a server checks a token's client and lifetime before it issues anything; the successor carries
        // the token's subject, session and scopes. The rotation then decides atomically (a read alone decides nothing).
        guard let grant = try await stores.grants.grant(forKey: key), grant.clientId == client.clientId, isLive(grant) else {
            throw OAuthError.invalidGrant("the refresh token is unknown, used or expired")
        }
        let next = GrantHandle.random()
        let now = clock.now
        let successor = PersistedGrant(key: next.key(type: PersistedGrantType.refreshToken), type: PersistedGrantType.refreshToken,
                                       subjectId: grant.subjectId, sessionId: grant.sessionId, clientId: client.clientId, creationTime: now,
                                       expiration: now.addingTimeInterval(TimeInterval(client.absoluteRefreshTokenLifetime)), data: grant.data)
        let outcome = try await stores.grants.rotateRefreshToken(presented: key, successor: successor, policy: refreshTokenRotation)
        guard let presented = outcome.grantedFrom else {
            throw OAuthError.invalidGrant("the refresh token is unknown, used or expired")
        }
        return try await issueTokens(subject: presented.subjectId, client: client, scopes: try scopes(of: presented), reusing: next,
                                     issuer: issuer, nonce: nil)
    }

    private func scopes(of grant: PersistedGrant) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(grant.data.utf8))
    }

    /// A JWT access token, a refresh token (stored as a grant) when `offline_access` was granted, and an ID token with
    /// `openid`; `refreshHandle`: a refresh token already stored (a reusable one, or a rotation's successor).
    private func issueTokens(subject: String?, client: Client, scopes: [String], reusing refreshHandle: GrantHandle? = nil, issuer: String,
                             nonce: String?) async throws -> Response {
        var refreshToken: String?
        if scopes.contains("offline_access") {
            let handle = refreshHandle ?? GrantHandle.random()
            if refreshHandle == nil {
                let now = clock.now
                try await stores.grants.storeGrant(PersistedGrant(
                    key: handle.key(type: PersistedGrantType.refreshToken), type: PersistedGrantType.refreshToken, subjectId: subject,
                    clientId: client.clientId, creationTime: now,
                    expiration: now.addingTimeInterval(TimeInterval(client.absoluteRefreshTokenLifetime)),
                    data: String(decoding: try JSONEncoder().encode(scopes), as: UTF8.self)))
            }
            refreshToken = handle.value
        }
        var idToken: String?
        if scopes.contains("openid"), let subject { idToken = try await self.idToken(issuer: issuer, subject: subject, client: client, nonce: nonce) }
        return .json(TokenResponse(accessToken: try await accessToken(issuer: issuer, subject: subject, client: client, scopes: scopes),
                                   expiresIn: Self.accessTokenLifetime, refreshToken: refreshToken, scope: scopes.joined(separator: " "), idToken: idToken))
    }

    private func isLive(_ grant: PersistedGrant) -> Bool {
        grant.expiration.map { $0 > clock.now } ?? true
    }
}
#endif  // ExampleServer
