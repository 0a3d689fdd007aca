/// Dynamic identity providers (upstream `IIdentityProviderStore`, plus a write side).
public protocol IdentityProviderStore: Sendable {
    /// Every provider's scheme, display name and enabled flag, disabled ones included, in byte order of scheme.
    func allSchemeNames() async throws -> [IdentityProviderName]
    /// The provider with exactly this scheme (case-sensitive), whatever its type or state; nil when none.
    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider?
    /// Creates or wholly replaces the provider with this scheme.
    func saveIdentityProvider(_ provider: IdentityProvider) async throws
    /// Deletes the provider; false when there was none.
    @discardableResult func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool
}
