#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import AuthorizationServerExample
import Crypto
import Foundation
import IdentityStorage
import ServerTestSupport
import Testing

/// The `authorization-server` executable on every backend, driven by a real OAuth client library (authlib, through
/// Scripts/oauth-client-flows.py) as an application drives it: authorization code with PKCE, refresh-token rotation
/// with the default policy (8 threads refreshing one token at once all get tokens; a replay after the grace period
/// revokes the family), client credentials by client_secret_basic, client_secret_post and private_key_jwt, replays
/// refused; and OpenID Connect with the ID token's signature checked against the served JWKS before and after
/// `idstore keys rotate --immediately` on the server's key store.
@Suite struct OAuthClientLibraryTests {
    static let script = PackagePaths.file("Scripts/oauth-client-flows.py")

    @Test(arguments: TestBackend.allCases)
    func authlibCompletesEveryFlow(_ backend: TestBackend) async throws {
        guard let store = try await sharedStores.store(backend) else { return }
        let url = try await sharedStores.url(backend)
        let scratch = try Scratch()
        let clients = LibraryClients()
        // The server reads its key store every second, so that it sees the rotation the script forces soon.
        var arguments = ["--store", url, "--key-check-interval", "1"]
        var keyStore = url
        if backend == .memory {
            // A process of its own has memory of its own: its clients come from a configuration document, and its
            // keys from a directory the rotating `idstore` shares.
            let document = scratch.path("configuration.json")
            try ConfigurationDocument(clients: clients.all).json().write(to: URL(fileURLWithPath: document))
            keyStore = "file:\(scratch.path("keys"))"
            arguments += ["--configuration-store", "file:\(document)", "--key-store", keyStore]
        } else {
            for client in clients.all { try await store.makeStores().clients.saveClient(client) }
        }
        let clientsFile = scratch.path("clients.json")
        try JSONSerialization.data(withJSONObject: clients.forScript).write(to: URL(fileURLWithPath: clientsFile))

        // Fault tests restart the servers: hold the server's gate shared while the example uses it.
        try await ServerGate.sharing(store: url) {
            // The server's default refresh-token policy throughout: 8 concurrent refreshes of one token all get tokens,
            // and the replay after its 10 s grace period (the script sleeps past it) revokes the whole family.
            let server = try await ExampleServerProcess.start(arguments)
            let run: (status: Int32, output: String)
            do {
                let rotate = [PackagePaths.executable("idstore").path, "keys", "rotate", "--store", keyStore, "--signing-only", "--immediately",
                              "--algorithm", "RS256", "--algorithm", "ES256"]
                run = try await shell("python3", [Self.script, "--server", server.baseURL, "--clients", clientsFile,
                                                  "--grace", "\(AuthorizationServer.defaultRefreshTokenRotation.gracePeriod)",
                                                  "--rotate", String(decoding: try JSONSerialization.data(withJSONObject: rotate), as: UTF8.self)])
            } catch {
                _ = try await server.stop()
                throw error
            }
            let stopped = try await server.stop()
            if run.status == 3 {
                let message = "a python module of the script is missing (Scripts/install-packages.sh installs authlib and requests): \(run.output)"
                if ServerAvailability<Int>.isCI { Issue.record(Comment(rawValue: message)) } else { print("\(backend): not run: \(message)") }
                return
            }
            #expect(run.status == 0, "oauth-client-flows.py on \(backend):\n\(run.output)\nserver output:\n\(stopped.output)")
            #expect(stopped.exitedCleanly, "the server did not shut down cleanly on SIGTERM:\n\(stopped.output)")
        }
    }
}

/// The clients the script drives, with ids of their own: a public one with PKCE and offline access, one with two
/// shared secrets (one plain for client_secret_basic, whose id and secret authlib does not form-encode; one with
/// characters a form must escape for client_secret_post) and one with an Ed25519 key for private_key_jwt, made anew
/// for each run.
struct LibraryClients {
    let spa: Client
    let worker: Client
    let signer: Client
    let basicSecret: String
    let postSecret: String
    let signingKey: Curve25519.Signing.PrivateKey
    let redirectUri = "https://app.example.com/callback"

    init() {
        let name = uniqueName("lib")
        spa = .singlePageApp("spa-\(name)", redirectUri: redirectUri)

        basicSecret = "basic-" + UUID().uuidString
        postSecret = "post secret +/=&%:é " + UUID().uuidString
        var worker = Client(clientId: "worker-\(name)")
        worker.allowedGrantTypes = ["client_credentials"]
        worker.clientSecrets = Set([basicSecret, postSecret].map { Secret(value: Data(SHA256.hash(data: Data($0.utf8))).base64EncodedString(), type: "SharedSecret") })
        worker.allowedScopes = ["invoices.read", "invoices.write"]
        self.worker = worker

        signingKey = Curve25519.Signing.PrivateKey()
        var signer = Client(clientId: "signer-\(name)")
        signer.allowedGrantTypes = ["client_credentials"]
        signer.allowedScopes = ["invoices.read"]
        let publicKey = #"{"kty":"OKP","crv":"Ed25519","x":"\#(Self.base64URL(signingKey.publicKey.rawRepresentation))"}"#
        signer.clientSecrets = [Secret(value: publicKey, type: "JsonWebKey")]
        self.signer = signer
    }

    var all: [Client] { [spa, worker, signer] }

    /// The clients file of Scripts/oauth-client-flows.py, the private key included.
    var forScript: [String: Any] {
        [
            "public": ["client_id": spa.clientId, "redirect_uri": redirectUri, "scope": "openid offline_access"],
            "secret": ["client_id": worker.clientId, "basic_secret": basicSecret, "post_secret": postSecret, "scope": "invoices.read invoices.write"],
            "private_key_jwt": [
                "client_id": signer.clientId, "scope": "invoices.read",
                "jwk": ["kty": "OKP", "crv": "Ed25519", "x": Self.base64URL(signingKey.publicKey.rawRepresentation),
                        "d": Self.base64URL(signingKey.rawRepresentation)],
            ],
        ]
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
#endif  // ExampleServer
