/// Identity resources, API scopes and API resources (upstream `IResourceStore`, plus a write side).
///
/// Reads return disabled and hidden resources too; filtering is the caller's job.
/// Every returned item carries its child collections whole. Names compare exactly. Unknown names are ignored.
public protocol ResourceStore: Sendable {
    /// Identity resources whose name is one of `scopeNames`.
    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource]
    /// API scopes whose name is one of `scopeNames`.
    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope]
    /// API resources serving any of `scopeNames`, each returned once.
    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource]
    /// API resources whose name is one of `names`.
    func apiResources(withNames names: [String]) async throws -> [ApiResource]
    /// Everything, including disabled resources and those hidden from discovery.
    func allResources() async throws -> Resources

    /// Creates or wholly replaces the identity resource with this name.
    func saveIdentityResource(_ resource: IdentityResource) async throws
    /// Creates or wholly replaces the API scope with this name.
    func saveApiScope(_ scope: ApiScope) async throws
    /// Creates or wholly replaces the API resource with this name.
    func saveApiResource(_ resource: ApiResource) async throws
    /// Deletes the identity resource; false when there was none.
    @discardableResult func deleteIdentityResource(named name: String) async throws -> Bool
    /// Deletes the API scope; false when there was none.
    @discardableResult func deleteApiScope(named name: String) async throws -> Bool
    /// Deletes the API resource; false when there was none.
    @discardableResult func deleteApiResource(named name: String) async throws -> Bool
}
