#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
public import Hummingbird
public import IdentityStorage
public import IdentityStorageKeys

/// The storage-heavy endpoints of an OAuth 2.0 authorization server, on IdentityStorage's stores:
///
/// - `GET /authorize` issues an authorization code, a persisted grant with its PKCE challenge (no login page: the
///   demo takes the user as the `subject` parameter).
/// - `POST /token` redeems a code exactly once (`takeGrant`) against its PKCE verifier, rotates one-time refresh
///   tokens (`rotateRefreshToken`, with ``refreshTokenRotation``: a retry within the grace period still gets tokens, a
///   replay after it revokes the whole family), and authenticates clients by secret (HTTP Basic or the form) or by a
///   client assertion that is refused when replayed (`ReplayCache`).
/// - Every parameter is read as form encoding (`FormEncoding`), as OAuth clients send it.
/// - Every response to a browser carries the CORS decision of the client store (`isOriginAllowed`).
///
/// - With the `openid` scope it issues an ID token; access tokens are JWTs. Both are signed with the signing-key
///   manager's current key (IdentityStorageKeys), published at `/.well-known/jwks.json` and named by the discovery
///   document `/.well-known/openid-configuration`.
/// - The user's session (who `subject` said they are) is a cookie protected by the data protector: a later
///   authorization request without `subject` reuses it.
///
/// A client assertion's signature check, which would come before the replay check, is left out. It shows the
/// storage, not a full server.
public struct AuthorizationServer: Sendable {
    /// Where clients, grants and the replay cache live.
    public let stores: IdentityStores
    /// The clock grants' creation and expiry times are taken from.
    public let clock: any WallClock
    /// The signing keys and the data protector, over the stores' key material.
    public let keys: KeyManagement
    /// How one-time refresh tokens are rotated: see ``defaultRefreshTokenRotation``.
    public let refreshTokenRotation: RefreshTokenRotationPolicy

    /// The default rotation policy: a grace period of 10 seconds, in which a token may be presented again up to 8
    /// times (browser tabs refreshing at once, a retried request whose response was lost) and each time gets new
    /// tokens; presented again after that, or a ninth time, it revokes every token of its family (RFC 9700 §4.14.2:
    /// the client or an attacker replayed it). Keep consumed grants at least 10 seconds in cleanup
    /// (``CleanupRunner/Configuration/refreshTokenGracePeriod``).
    public static let defaultRefreshTokenRotation = RefreshTokenRotationPolicy(gracePeriod: 10, maxReuseCount: 8)

    /// The server over `stores`. Without `keys`, the key material's managers are made with keys stored in the clear
    /// (RS256 and ES256 signing keys).
    public init(stores: IdentityStores, clock: any WallClock = SystemWallClock(), keys: KeyManagement? = nil,
                refreshTokenRotation: RefreshTokenRotationPolicy = defaultRefreshTokenRotation) {
        self.stores = stores
        self.clock = clock
        // The default policies are valid: making the managers cannot fail.
        self.keys = keys ?? (try! KeyManagement(stores: stores, keyEncryption: nil, signing: Self.signingPolicy, clock: clock))
        self.refreshTokenRotation = refreshTokenRotation
    }

    /// The signing keys the example keeps: RS256 (what ID tokens use, as every client accepts it) and ES256.
    public static var signingPolicy: SigningKeyPolicy {
        var policy = SigningKeyPolicy()
        policy.algorithms = [.rs256, .es256]
        return policy
    }

    /// A router with the server's endpoints and its CORS middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ClientCorsMiddleware(clients: stores.clients))
        router.get("/authorize") { request, _ in try await authorize(request) }
        router.get("/.well-known/openid-configuration") { request, _ in discovery(request) }
        router.get("/.well-known/jwks.json") { _, _ in try await jsonWebKeySet() }
        router.post("/token") { request, _ in try await token(request) }
        // Preflights reach the middleware, which answers them, only through a route.
        router.on("/token", method: .options) { _, _ in Response(status: .noContent) }
        return router
    }
}
#endif  // ExampleServer
