#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import IdentityStorage

extension AuthorizationServer {
    /// The query of an authorization request (RFC 6749 section 4.1.1, RFC 7636 section 4.3).
    struct AuthorizeRequest: Decodable {
        let responseType: String?
        let clientId: String?
        let redirectUri: String?
        let scope: String?
        let state: String?
        let subject: String?
        let nonce: String?
        let codeChallenge: String?
        let codeChallengeMethod: String?

        enum CodingKeys: String, CodingKey {
            case responseType = "response_type", clientId = "client_id", redirectUri = "redirect_uri", scope, state, subject, nonce
            case codeChallenge = "code_challenge", codeChallengeMethod = "code_challenge_method"
        }
    }

    /// What an authorization code's grant carries besides its subject and client.
    struct CodeData: Codable {
        let redirectUri: String
        let scopes: [String]
        /// Absent for a code issued without PKCE (and in codes stored before PKCE was checked).
        let codeChallenge: CodeChallenge?
        /// The OpenID Connect nonce, returned in the ID token.
        var nonce: String? = nil
    }

    /// `GET /authorize?response_type=code&client_id=…&redirect_uri=…&scope=…&state=…&code_challenge=…&subject=…`:
    /// stores an authorization code and redirects to the client with it. `subject` stands in for the user a login
    /// page would have authenticated.
    func authorize(_ request: Request) async throws -> Response {
        let query = try FormEncoding.decode(AuthorizeRequest.self, from: request.uri.query ?? "")
        guard query.responseType == "code" else { throw OAuthError.invalidRequest("response_type must be code") }
        // Until the client and its redirect URI are known, errors go to the browser, never to the redirect URI.
        guard let clientId = query.clientId, let client = try await stores.clients.client(withId: clientId), client.enabled else {
            throw OAuthError.invalidClient("unknown or disabled client")
        }
        guard let redirectUri = query.redirectUri, client.redirectUris.contains(redirectUri) else {
            throw OAuthError.invalidRequest("redirect_uri is not registered for the client")
        }
        guard client.allowedGrantTypes.contains(PersistedGrantType.authorizationCode) else {
            throw OAuthError.unauthorizedClient("the client may not use the authorization code flow")
        }
        // The user: `subject` (a login page stand-in), else the session cookie of an earlier request.
        let sessionSubject = try await sessionSubject(request)
        guard let subject = query.subject.flatMap({ $0.isEmpty ? nil : $0 }) ?? sessionSubject else {
            throw OAuthError.invalidRequest("subject is missing and there is no session")
        }
        let scopes = try allowedScopes(requested: query.scope, for: client)
        let challenge = try CodeChallenge(value: query.codeChallenge, method: query.codeChallengeMethod, for: client)

        let code = GrantHandle.random()
        let now = clock.now
        let data = String(decoding: try JSONEncoder().encode(CodeData(redirectUri: redirectUri, scopes: scopes, codeChallenge: challenge, nonce: query.nonce)), as: UTF8.self)
        try await stores.grants.storeGrant(PersistedGrant(
            key: code.key(type: PersistedGrantType.authorizationCode), type: PersistedGrantType.authorizationCode, subjectId: subject,
            clientId: client.clientId, creationTime: now, expiration: now.addingTimeInterval(TimeInterval(client.authorizationCodeLifetime)),
            data: data))

        guard var location = URLComponents(string: redirectUri) else { throw OAuthError.invalidRequest("redirect_uri is not a URL") }
        let added = [("code", code.value)] + (query.state.map { [("state", $0)] } ?? [])
        location.percentEncodedQueryItems = (location.percentEncodedQueryItems ?? [])
            + added.map { URLQueryItem(name: $0, value: FormEncoding.encodeValue($1)) }
        var headers: HTTPFields = [.location: location.string ?? redirectUri]
        if subject != sessionSubject { headers[.setCookie] = try await sessionCookie(for: subject) }
        return Response(status: .found, headers: headers)
    }

    /// The requested scopes when the client may have them all (`offline_access` when it may have refresh tokens).
    func allowedScopes(requested: String?, for client: Client) throws -> [String] {
        let scopes = (requested ?? "").split(separator: " ").map(String.init)
        let refused = scopes.filter { $0 == "offline_access" ? !client.allowOfflineAccess : !client.allowedScopes.contains($0) }
        guard refused.isEmpty else {
            throw OAuthError(code: "invalid_scope", description: "not allowed for the client: \(refused.joined(separator: " "))", status: .badRequest)
        }
        return scopes
    }
}
#endif  // ExampleServer
