#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import AuthorizationServerExample
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import IdentityStorage
import NIOCore
import ServerTestSupport
import Testing

/// The suite's stores, one per backend.
let sharedStores = try! SharedTestStores(name: "example")

/// The example authorization server through Hummingbird's test client on every backend: one winner among concurrent
/// redemptions of a code and concurrent rotations of a refresh token, replayed assertions refused, CORS from the
/// client store.
@Suite struct ExampleServerTests {
    /// The clients a test registers, with ids and origin of its own.
    struct TestClients {
        let spa: Client
        let worker: Client
        /// Like `spa`, but PKCE is optional for it and it may use the plain method.
        let relaxedSpa: Client
        /// A client-credentials client with the shared secret `secret`.
        let secretWorker: Client
        let secret = "s3cret: +/=&%é"
        let origin: String
        let redirectUri = "https://app.example.com/callback"

        init() {
            let name = uniqueName("c")
            origin = "https://\(name.replacingOccurrences(of: "_", with: "-")).example"
            var spa = Client.singlePageApp("spa-\(name)", redirectUri: redirectUri)
            spa.allowedCorsOrigins = [origin]
            self.spa = spa
            var worker = Client(clientId: "worker-\(name)")
            worker.allowedGrantTypes = ["client_credentials"]
            worker.clientSecrets = [Secret(value: #"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#, type: "JsonWebKey")]
            worker.allowedScopes = ["invoices.read"]
            self.worker = worker
            var relaxedSpa = spa
            relaxedSpa.clientId = "relaxed-spa-\(name)"
            relaxedSpa.requirePkce = false
            relaxedSpa.allowPlainTextPkce = true
            self.relaxedSpa = relaxedSpa
            var secretWorker = Client(clientId: "secret worker+\(name)")
            secretWorker.allowedGrantTypes = ["client_credentials"]
            secretWorker.clientSecrets = [Secret(value: Data(SHA256.hash(data: Data(secret.utf8))).base64EncodedString(), type: "SharedSecret")]
            secretWorker.allowedScopes = ["invoices.read", "invoices.write"]
            self.secretWorker = secretWorker
        }

        var all: [Client] { [spa, worker, relaxedSpa, secretWorker] }
    }

    /// Runs `body` with a test client of the example over `backend`'s store, with ``TestClients`` saved.
    func withServer(_ backend: TestBackend, test: String = #function,
                    rotation: RefreshTokenRotationPolicy = AuthorizationServer.defaultRefreshTokenRotation,
                    _ body: @Sendable (any TestClientProtocol, TestClients) async throws -> Void) async throws {
        guard let store = try await sharedStores.store(backend, test: test) else { return }
        let stores = store.makeStores()
        let clients = TestClients()
        for client in clients.all { try await stores.clients.saveClient(client) }
        try await Application(router: AuthorizationServer(stores: stores, refreshTokenRotation: rotation).router()).test(.router) { client in
            try await body(client, clients)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentRedemptionsOfOneCodeGetOneTokenResponse(_ backend: TestBackend) async throws {
        try await withServer(backend) { client, clients in
            let code = try await client.authorizationCode(for: clients, scope: "openid offline_access")
            let form = clients.redemption(of: code)
            let responses = try await client.concurrently(32) { try await $0.token(form) }
            let granted = responses.filter { $0.status == .ok }
            #expect(granted.count == 1)
            #expect(responses.filter { $0.status == .badRequest && $0.json["error"] == "invalid_grant" }.count == 31)
            #expect(granted.first?.json["refresh_token"] != nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentRefreshesWithinTheGracePeriodGetTokensUpToTheReuseLimit(_ backend: TestBackend) async throws {
        // The default policy: 32 refreshes of one token at once (well within its 10 s) give tokens to the first and
        // the 8 reuses it allows; the next presentation revokes the family, so every token handed out is refused after.
        try await withServer(backend) { client, clients in
            let code = try await client.authorizationCode(for: clients, scope: "invoices.read offline_access")
            let first = try await client.token(clients.redemption(of: code))
            let refreshToken = try #require(first.json["refresh_token"])
            let refresh = "grant_type=refresh_token&refresh_token=\(refreshToken.formEncoded)&client_id=\(clients.spa.clientId)"
            let responses = try await client.concurrently(32) { try await $0.token(refresh) }
            let granted = responses.filter { $0.status == .ok }
            let allowed = 1 + AuthorizationServer.defaultRefreshTokenRotation.maxReuseCount
            #expect(granted.count == allowed)
            #expect(responses.filter { $0.status == .badRequest && $0.json["error"] == "invalid_grant" }.count == 32 - allowed)
            let issued = granted.compactMap { $0.json["refresh_token"] }
            #expect(Set(issued).count == allowed && !issued.contains(refreshToken))
            #expect(granted.allSatisfy { $0.json["scope"] == "invoices.read offline_access" })
            for token in issued {
                #expect(try await client.token("grant_type=refresh_token&refresh_token=\(token.formEncoded)&client_id=\(clients.spa.clientId)").status == .badRequest,
                        "a token of the revoked family")
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentRotationsWithoutGraceYieldOneNewTokenAndRevokeTheFamily(_ backend: TestBackend) async throws {
        try await withServer(backend, rotation: .strict) { client, clients in
            let code = try await client.authorizationCode(for: clients, scope: "invoices.read offline_access")
            let first = try await client.token(clients.redemption(of: code))
            let refreshToken = try #require(first.json["refresh_token"])
            let refresh = "grant_type=refresh_token&refresh_token=\(refreshToken.formEncoded)&client_id=\(clients.spa.clientId)"
            let responses = try await client.concurrently(32) { try await $0.token(refresh) }
            let rotated = responses.filter { $0.status == .ok }
            #expect(rotated.count == 1)
            let newToken = try #require(rotated.first?.json["refresh_token"])
            #expect(newToken != refreshToken)
            #expect(rotated.first?.json["scope"] == "invoices.read offline_access")
            // The second presentation revoked the family: the new token is refused, and the old one stays refused.
            #expect(try await client.token("grant_type=refresh_token&refresh_token=\(newToken.formEncoded)&client_id=\(clients.spa.clientId)").status == .badRequest)
            #expect(try await client.token(refresh).status == .badRequest)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func replayedClientAssertionIsRefused(_ backend: TestBackend) async throws {
        try await withServer(backend) { client, clients in
            let form = "grant_type=client_credentials&scope=invoices.read&client_assertion_type=\(AuthorizationServer.jwtBearerAssertionType.formEncoded)"
                + "&client_assertion=\(Self.assertion(for: clients.worker.clientId))"
            let first = try await client.token(form)
            #expect(first.status == .ok)
            #expect(first.json["access_token"] != nil)
            let replay = try await client.token(form)
            #expect(replay.status == .unauthorized)
            #expect(replay.json["error_description"] == "the client assertion was already used")
            // Racing copies of a fresh assertion: one gets through.
            let fresh = "grant_type=client_credentials&client_assertion_type=\(AuthorizationServer.jwtBearerAssertionType.formEncoded)"
                + "&client_assertion=\(Self.assertion(for: clients.worker.clientId))"
            let responses = try await client.concurrently(16) { try await $0.token(fresh) }
            #expect(responses.filter { $0.status == .ok }.count == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func corsDecisionsComeFromTheClientStore(_ backend: TestBackend) async throws {
        try await withServer(backend) { client, clients in
            let allowed = try await client.execute(uri: "/token", method: .options,
                                                   headers: [.origin: clients.origin, .accessControlRequestMethod: "POST"]) { $0 }
            #expect(allowed.status == .noContent)
            #expect(allowed.headers[.accessControlAllowOrigin] == clients.origin)
            let refused = try await client.execute(uri: "/token", method: .options,
                                                   headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]) { $0 }
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
            let post = try await client.execute(uri: "/token", method: .post, headers: [.origin: clients.origin, .contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "grant_type=password")) { $0 }
            #expect(post.headers[.accessControlAllowOrigin] == clients.origin)
        }
    }

    /// An unsigned JWT client assertion (the example checks no signature) from `clientId`, valid for a minute.
    static func assertion(for clientId: String) -> String {
        let jti = UUID().uuidString
        let claims = #"{"iss":"\#(clientId)","sub":"\#(clientId)","aud":"https://example/token","jti":"\#(jti)","exp":\#(Int(Date().timeIntervalSince1970) + 60)}"#
        return ["{\"alg\":\"none\"}", claims].map { Data($0.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "") }.joined(separator: ".") + ".sig"
    }
}
#endif  // ExampleServer
