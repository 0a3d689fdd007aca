import Foundation
import Hummingbird
import IdentityStorage

extension AuthorizationServer {
    /// What an authorization code's grant carries besides its subject and client.
    struct CodeData: Codable {
        let redirectUri: String
        let scopes: [String]
    }

    /// `GET /authorize?response_type=code&client_id=…&redirect_uri=…&scope=…&state=…&subject=…`: stores an
    /// authorization code and redirects to the client with it. `subject` stands in for the user a login page would
    /// have authenticated.
    func authorize(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        guard query.get("response_type") == "code" else { throw OAuthError.invalidRequest("response_type must be code") }
        // Until the client and its redirect URI are known, errors go to the browser, never to the redirect URI.
        guard let clientId = query.get("client_id"), let client = try await stores.clients.client(withId: clientId), client.enabled else {
            throw OAuthError.invalidClient("unknown or disabled client")
        }
        guard let redirectUri = query.get("redirect_uri"), client.redirectUris.contains(redirectUri) else {
            throw OAuthError.invalidRequest("redirect_uri is not registered for the client")
        }
        guard client.allowedGrantTypes.contains(PersistedGrantType.authorizationCode) else {
            throw OAuthError.unauthorizedClient("the client may not use the authorization code flow")
        }
        guard let subject = query.get("subject"), !subject.isEmpty else { throw OAuthError.invalidRequest("subject is missing") }
        let scopes = try allowedScopes(requested: query.get("scope"), for: client)

        let code = GrantHandle.random()
        let now = clock.now
        let data = String(decoding: try JSONEncoder().encode(CodeData(redirectUri: redirectUri, scopes: scopes)), as: UTF8.self)
        try await stores.grants.storeGrant(PersistedGrant(
            key: code.key(type: PersistedGrantType.authorizationCode), type: PersistedGrantType.authorizationCode, subjectId: subject,
            clientId: client.clientId, creationTime: now, expiration: now.addingTimeInterval(TimeInterval(client.authorizationCodeLifetime)),
            data: data))

        guard var location = URLComponents(string: redirectUri) else { throw OAuthError.invalidRequest("redirect_uri is not a URL") }
        let items = (location.queryItems ?? []) + [URLQueryItem(name: "code", value: code.value)]
            + (query.get("state").map { [URLQueryItem(name: "state", value: $0)] } ?? [])
        location.queryItems = items
        return Response(status: .found, headers: [.location: location.string ?? redirectUri])
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
