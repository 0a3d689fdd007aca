public import Hummingbird
public import IdentityStorage

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
/// It signs nothing and verifies no signature: access tokens are opaque random strings and a client assertion's
/// signature check, which would come before the replay check, is left out. It shows the storage, not a full server.
public struct AuthorizationServer: Sendable {
    /// Where clients, grants and the replay cache live.
    public let stores: IdentityStores
    /// The clock grants' creation and expiry times are taken from.
    public let clock: any WallClock
    /// How one-time refresh tokens are rotated: see ``defaultRefreshTokenRotation``.
    public let refreshTokenRotation: RefreshTokenRotationPolicy

    /// The default rotation policy: a grace period of 10 seconds, in which a token may be presented again up to 8
    /// times (browser tabs refreshing at once, a retried request whose response was lost) and each time gets new
    /// tokens; presented again after that, or a ninth time, it revokes every token of its family (RFC 9700 §4.14.2:
    /// the client or an attacker replayed it). Keep consumed grants at least 10 seconds in cleanup
    /// (``CleanupRunner/Configuration/refreshTokenGracePeriod``).
    public static let defaultRefreshTokenRotation = RefreshTokenRotationPolicy(gracePeriod: 10, maxReuseCount: 8)

    public init(stores: IdentityStores, clock: any WallClock = SystemWallClock(),
                refreshTokenRotation: RefreshTokenRotationPolicy = defaultRefreshTokenRotation) {
        self.stores = stores
        self.clock = clock
        self.refreshTokenRotation = refreshTokenRotation
    }

    /// A router with the server's endpoints and its CORS middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ClientCorsMiddleware(clients: stores.clients))
        router.get("/authorize") { request, _ in try await authorize(request) }
        router.post("/token") { request, _ in try await token(request) }
        // Preflights reach the middleware, which answers them, only through a route.
        router.on("/token", method: .options) { _, _ in Response(status: .noContent) }
        return router
    }
}
