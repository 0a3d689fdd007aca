#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import IdentityStorage
import IdentityStorageKeys

extension AuthorizationServer {
    /// The session cookie's name.
    static let sessionCookieName = "idstore_session"
    /// What the session cookie is protected for: a payload of another purpose never passes as a session.
    static let sessionPurpose = DataProtectionPurpose("AuthorizationServerExample", "session cookie")
    /// How long a session lasts.
    static let sessionLifetime: TimeInterval = 8 * 3600

    /// The issuer: this server's own address, as the client reached it.
    func issuer(_ request: Request) -> String {
        "http://" + (request.head.authority ?? "localhost")
    }

    /// `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0).
    func discovery(_ request: Request) -> Response {
        let issuer = issuer(request)
        let document: [String: Any] = [
            "issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
            "jwks_uri": issuer + "/.well-known/jwks.json", "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [SigningAlgorithm.rs256.rawValue],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"],
            "code_challenge_methods_supported": ["S256", "plain"], "scopes_supported": ["openid", "offline_access"],
        ]
        return .jsonObject(document)
    }

    /// `GET /.well-known/jwks.json`: the published signing keys, served from the manager's memory.
    func jsonWebKeySet() async throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.cacheControl] = "max-age=60"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try await keys.signingKeys.jsonWebKeySet())))
    }

    /// A JWT of `claims` signed with the current key of `algorithm`.
    func signedJWT(_ claims: [String: Any], algorithm: SigningAlgorithm = .rs256) async throws -> String {
        try await keys.signingKeys.signJWT(claims: try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]), algorithm: algorithm)
    }

    /// The ID token of a code's (or refresh token's) grant (OpenID Connect Core section 2).
    func idToken(issuer: String, subject: String, client: Client, nonce: String?) async throws -> String {
        let now = Int(clock.now.timeIntervalSince1970)
        var claims: [String: Any] = ["iss": issuer, "sub": subject, "aud": client.clientId, "iat": now, "exp": now + client.identityTokenLifetime,
                                     "auth_time": now]
        if let nonce { claims["nonce"] = nonce }
        return try await signedJWT(claims)
    }

    /// A JWT access token (RFC 9068's claims).
    func accessToken(issuer: String, subject: String?, client: Client, scopes: [String]) async throws -> String {
        let now = Int(clock.now.timeIntervalSince1970)
        var claims: [String: Any] = ["iss": issuer, "client_id": client.clientId, "aud": issuer, "iat": now, "exp": now + Self.accessTokenLifetime,
                                     "jti": GrantHandle.random().value, "scope": scopes.joined(separator: " ")]
        claims["sub"] = subject ?? client.clientId
        return try await signedJWT(claims)
    }

    /// `Set-Cookie` of a session for `subject`, protected (and expiring) through the data protector.
    func sessionCookie(for subject: String) async throws -> String {
        let payload = try await keys.dataProtector.protect(Data(subject.utf8), purpose: Self.sessionPurpose,
                                                           expiresAt: clock.now.addingTimeInterval(Self.sessionLifetime))
        return "\(Self.sessionCookieName)=\(payload.base64URLEncoded); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(Int(Self.sessionLifetime))"
    }

    /// The subject of the request's session cookie; nil without one, or when it does not unprotect (altered,
    /// expired, another purpose, a revoked key): such a cookie is no session.
    func sessionSubject(_ request: Request) async throws -> String? {
        guard let cookie = request.headers[values: .cookie].flatMap({ $0.split(separator: ";") })
            .map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.hasPrefix(Self.sessionCookieName + "=") }) else { return nil }
        guard let payload = Data(base64URLEncoded: cookie.dropFirst(Self.sessionCookieName.count + 1)) else { return nil }
        do {
            return String(decoding: try await keys.dataProtector.unprotect(payload, purpose: Self.sessionPurpose), as: UTF8.self)
        } catch is DataProtectionError {
            return nil
        }
    }
}

extension Response {
    /// A JSON response of a JSON object.
    static func jsonObject(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
#endif  // ExampleServer
