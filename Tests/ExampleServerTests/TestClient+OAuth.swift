#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import HummingbirdTesting
import IdentityStorage
import NIOCore
import Testing

extension TestClientProtocol {
    /// Asks `/authorize` for a code for `client` (default: the test's single-page client) with the PKCE challenge of
    /// ``ExampleServerTests/TestClients/codeVerifier`` and returns it from the redirect.
    func authorizationCode(for clients: ExampleServerTests.TestClients, client: Client? = nil, scope: String,
                           pkce: String = "&code_challenge=\(ExampleServerTests.TestClients.codeChallenge)&code_challenge_method=S256") async throws -> String {
        let query = "response_type=code&client_id=\((client ?? clients.spa).clientId.formEncoded)&redirect_uri=\(clients.redirectUri.formEncoded)"
            + "&scope=\(scope.formEncoded)&state=xyz&subject=ada" + pkce
        let response = try await authorize(query)
        #expect(response.status == .found, "\(String(buffer: response.body))")
        let items = URLComponents(string: try #require(response.headers[.location]))?.queryItems ?? []
        #expect(items.first { $0.name == "state" }?.value == "xyz")
        return try #require(items.first { $0.name == "code" }?.value)
    }

    /// GETs `/authorize?query`, `query` sent as it is.
    func authorize(_ query: String) async throws -> TestResponse {
        try await execute(uri: "/authorize?\(query)", method: .get) { $0 }
    }

    /// POSTs `form` to `/token`, with `headers` besides its content type.
    func token(_ form: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: "/token", method: .post, headers: fields, body: ByteBuffer(string: form)) { $0 }
    }

    /// Runs `request` `count` times at once and returns every response.
    func concurrently(_ count: Int, _ request: @escaping @Sendable (any TestClientProtocol) async throws -> TestResponse) async throws -> [TestResponse] {
        try await withThrowingTaskGroup(of: TestResponse.self) { group in
            for _ in 0..<count { group.addTask { try await request(self) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}

extension ExampleServerTests.TestClients {
    /// The PKCE verifier the tests' codes are asked with, and its S256 challenge (RFC 7636 Appendix B's pair).
    static let codeVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let codeChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    /// The token request redeeming `code` for `client` (default: the single-page client), with `verifier`.
    func redemption(of code: String, client: Client? = nil, verifier: String? = Self.codeVerifier) -> String {
        "grant_type=authorization_code&code=\(code)&redirect_uri=\(redirectUri.formEncoded)&client_id=\((client ?? spa).clientId.formEncoded)"
            + (verifier.map { "&code_verifier=\($0.formEncoded)" } ?? "")
    }
}

extension TestResponse {
    /// The JSON body's string members.
    var json: [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }
}

extension String {
    /// Percent-encoded for a form or query value.
    var formEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
#endif  // ExampleServer
