public import Hummingbird
public import IdentityStorage

/// The storage-heavy endpoints of an OAuth 2.0 authorization server, on IdentityStorage's stores:
///
/// - `GET /authorize` issues an authorization code, a persisted grant with its PKCE challenge (no login page: the
///   demo takes the user as the `subject` parameter).
/// - `POST /token` redeems a code exactly once (`takeGrant`) against its PKCE verifier, rotates one-time refresh
///   tokens (`consumeGrant`), and authenticates clients by secret (HTTP Basic or the form) or by a client assertion
///   that is refused when replayed (`ReplayCache`).
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

    public init(stores: IdentityStores, clock: any WallClock = SystemWallClock()) {
        self.stores = stores
        self.clock = clock
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
