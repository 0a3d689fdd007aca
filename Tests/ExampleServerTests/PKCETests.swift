#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import HummingbirdTesting
import ServerTestSupport
import Testing

/// PKCE (RFC 7636) on every backend: the verifier is checked against the challenge stored with the code, for the
/// client's `requirePkce` and `allowPlainTextPkce`.
@Suite struct PKCETests {
    typealias Clients = ExampleServerTests.TestClients

    @Test(arguments: TestBackend.allCases)
    func aWrongOrMissingVerifierIsRefusedAndSpendsTheCode(_ backend: TestBackend) async throws {
        try await ExampleServerTests().withServer(backend) { client, clients in
            let wrong = String(repeating: "w", count: 43)
            let code = try await client.authorizationCode(for: clients, scope: "openid")
            let refused = try await client.token(clients.redemption(of: code, verifier: wrong))
            #expect(refused.status == .badRequest && refused.json["error"] == "invalid_grant", "\(String(buffer: refused.body))")
            // The code was taken: the right verifier comes too late.
            #expect(try await client.token(clients.redemption(of: code)).json["error"] == "invalid_grant")
            let another = try await client.authorizationCode(for: clients, scope: "openid")
            #expect(try await client.token(clients.redemption(of: another, verifier: nil)).json["error"] == "invalid_grant")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func plainAndAbsentChallengesFollowTheClientsSettings(_ backend: TestBackend) async throws {
        try await ExampleServerTests().withServer(backend) { client, clients in
            let verifier = Clients.codeVerifier
            // plain, named or by default, for a client allowed it.
            for pkce in ["&code_challenge=\(verifier)&code_challenge_method=plain", "&code_challenge=\(verifier)"] {
                let code = try await client.authorizationCode(for: clients, client: clients.relaxedSpa, scope: "openid", pkce: pkce)
                #expect(try await client.token(clients.redemption(of: code, client: clients.relaxedSpa)).status == .ok)
            }
            // No PKCE for a client that does not require it; a verifier then is refused (RFC 9700 section 2.1.1).
            let bare = try await client.authorizationCode(for: clients, client: clients.relaxedSpa, scope: "openid", pkce: "")
            #expect(try await client.token(clients.redemption(of: bare, client: clients.relaxedSpa)).json["error"] == "invalid_grant")
            let bareAgain = try await client.authorizationCode(for: clients, client: clients.relaxedSpa, scope: "openid", pkce: "")
            #expect(try await client.token(clients.redemption(of: bareAgain, client: clients.relaxedSpa, verifier: nil)).status == .ok)
        }
    }

    @Test func authorizationRequestsWithoutAnAcceptableChallengeAreRefused() async throws {
        try await ExampleServerTests().withServer(.memory) { client, clients in
            let base = "response_type=code&client_id=\(clients.spa.clientId)&redirect_uri=\(clients.redirectUri.formEncoded)&scope=openid&subject=ada"
            let cases = [
                ("", "the client must send a PKCE code_challenge"),
                ("&code_challenge=\(Clients.codeVerifier)&code_challenge_method=plain", "the client may not use the plain code_challenge_method"),
                ("&code_challenge=\(Clients.codeChallenge)&code_challenge_method=S512", "code_challenge_method must be S256 or plain"),
                ("&code_challenge=short&code_challenge_method=S256", "code_challenge must be 43 to 128 unreserved characters"),
                ("&code_challenge_method=S256", "code_challenge_method without code_challenge"),
            ]
            for (pkce, description) in cases {
                let response = try await client.authorize(base + pkce)
                #expect(response.status == .badRequest && response.json["error"] == "invalid_request", "\(pkce)")
                #expect(response.json["error_description"] == description, "\(pkce)")
            }
        }
    }
}
#endif  // ExampleServer
