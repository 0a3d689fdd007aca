#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Crypto
import Foundation
import IdentityStorage

extension AuthorizationServer {
    /// RFC 7523's client assertion type.
    public static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// The replay cache's purpose for client assertions' `jti`s.
    static let assertionReplayPurpose = "client-assertion"

    /// The client a token request comes from: HTTP Basic credentials (client_secret_basic), a client assertion
    /// (private_key_jwt, for clients with a `JsonWebKey` secret), a `client_secret` in the form (client_secret_post)
    /// matching one of its live SHA-256 shared secrets, or a bare `client_id` for a client that needs no secret. One
    /// method per request (RFC 6749 section 2.3).
    func authenticateClient(_ form: TokenRequest, authorization: String?) async throws -> Client {
        if let authorization {
            guard let basic = BasicCredentials(authorization: authorization) else {
                throw OAuthError.invalidClient("the Authorization header is not Basic credentials of form-encoded client id and secret")
            }
            guard form.clientSecret == nil, form.clientAssertion == nil else {
                throw OAuthError.invalidRequest("the client authenticates with more than one method")
            }
            guard form.clientId.map({ $0 == basic.clientId }) ?? true else {
                throw OAuthError.invalidRequest("client_id differs from the client of the Authorization header")
            }
            return try await authenticateSecret(basic.secret, clientId: basic.clientId)
        }
        if let assertion = form.clientAssertion {
            guard form.clientSecret == nil else { throw OAuthError.invalidRequest("the client authenticates with more than one method") }
            return try await authenticateAssertion(assertion, type: form.clientAssertionType, clientId: form.clientId)
        }
        guard let clientId = form.clientId else { throw OAuthError.invalidClient("unknown or disabled client") }
        return try await authenticateSecret(form.clientSecret, clientId: clientId)
    }

    /// The client when `secret` matches one of its live SHA-256 shared secrets, or when it needs none.
    private func authenticateSecret(_ secret: String?, clientId: String) async throws -> Client {
        guard let client = try await enabledClient(clientId) else { throw OAuthError.invalidClient("unknown or disabled client") }
        guard client.requireClientSecret else { return client }
        guard let secret else { throw OAuthError.invalidClient("the client must authenticate") }
        let hashed = Data(SHA256.hash(data: Data(secret.utf8))).base64EncodedString()
        let now = clock.now
        guard client.clientSecrets.contains(where: { $0.type == "SharedSecret" && $0.value == hashed && ($0.expiration.map { $0 > now } ?? true) }) else {
            throw OAuthError.invalidClient("wrong client secret")
        }
        return client
    }

    /// A JWT client assertion is accepted once: its `jti` goes into the replay cache until the assertion expires, and
    /// of any number of requests carrying it (concurrent or not, on any instance) exactly one gets past `tryAdd`.
    private func authenticateAssertion(_ assertion: String, type: String?, clientId: String?) async throws -> Client {
        guard type == Self.jwtBearerAssertionType else { throw OAuthError.invalidClient("client_assertion_type must be \(Self.jwtBearerAssertionType)") }
        guard let claims = AssertionClaims(jwt: assertion), claims.iss == claims.sub, clientId.map({ $0 == claims.sub }) ?? true else {
            throw OAuthError.invalidClient("the client assertion is malformed")
        }
        guard let client = try await enabledClient(claims.sub), client.clientSecrets.contains(where: { $0.type == "JsonWebKey" }) else {
            throw OAuthError.invalidClient("unknown client, or a client without a key")
        }
        let expiration = Date(timeIntervalSince1970: claims.exp)
        guard expiration > clock.now else { throw OAuthError.invalidClient("the client assertion has expired") }
        // A real server verifies the signature with the client's key here, before the replay check.
        guard try await stores.replayCache.tryAdd(purpose: Self.assertionReplayPurpose, handle: claims.jti, expiration: expiration) else {
            throw OAuthError.invalidClient("the client assertion was already used")
        }
        return client
    }

    private func enabledClient(_ clientId: String) async throws -> Client? {
        try await stores.clients.client(withId: clientId).flatMap { $0.enabled ? $0 : nil }
    }
}

/// A client id and secret from an `Authorization: Basic` header: each is form-encoded before the pair is base64-encoded
/// (RFC 6749 section 2.3.1), so they are decoded as form values.
struct BasicCredentials {
    let clientId: String
    let secret: String

    init?(authorization: String) {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":"),
              let clientId = FormEncoding.decodeValue(pair[..<colon]), !clientId.isEmpty,
              let secret = FormEncoding.decodeValue(pair[pair.index(after: colon)...]) else { return nil }
        self.clientId = clientId
        self.secret = secret
    }
}

/// The claims of a client assertion this example reads (RFC 7523 section 3), from the JWT's payload.
struct AssertionClaims: Decodable {
    let iss: String
    let sub: String
    let jti: String
    let exp: Double

    init?(jwt: String) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Data(base64URLEncoded: parts[1]),
              let claims = try? JSONDecoder().decode(AssertionClaims.self, from: payload), !claims.jti.isEmpty else { return nil }
        self = claims
    }
}
#endif  // ExampleServer
