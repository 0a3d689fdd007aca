import Crypto
import Foundation
import IdentityStorage

extension AuthorizationServer {
    /// RFC 7523's client assertion type.
    public static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// The replay cache's purpose for client assertions' `jti`s.
    static let assertionReplayPurpose = "client-assertion"

    /// The client a token request comes from: a client assertion (private_key_jwt, for clients with a `JsonWebKey`
    /// secret), a `client_secret` matching one of its live SHA-256 shared secrets, or a bare `client_id` for a client
    /// that needs no secret.
    func authenticateClient(_ form: TokenRequest) async throws -> Client {
        if let assertion = form.clientAssertion {
            return try await authenticateAssertion(assertion, type: form.clientAssertionType, clientId: form.clientId)
        }
        guard let clientId = form.clientId, let client = try await enabledClient(clientId) else {
            throw OAuthError.invalidClient("unknown or disabled client")
        }
        guard client.requireClientSecret else { return client }
        guard let secret = form.clientSecret else { throw OAuthError.invalidClient("the client must authenticate") }
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
