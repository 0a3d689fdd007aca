#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import IdentityStorage

extension Client {
    /// A public single-page client of the example server's tests: authorization code with PKCE, `openid` and
    /// `invoices.read`, offline access with one-time refresh tokens, redirecting to `redirectUri`.
    static func singlePageApp(_ clientId: String, redirectUri: String) -> Client {
        var spa = Client(clientId: clientId)
        spa.requireClientSecret = false
        spa.allowedGrantTypes = ["authorization_code"]
        spa.redirectUris = [redirectUri]
        spa.allowedScopes = ["openid", "invoices.read"]
        spa.allowOfflineAccess = true
        spa.refreshTokenUsage = .oneTimeOnly
        return spa
    }
}
#endif  // ExampleServer
