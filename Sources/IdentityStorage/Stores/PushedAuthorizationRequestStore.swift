/// Pushed authorization requests (upstream `IPushedAuthorizationRequestStore`).
public protocol PushedAuthorizationRequestStore: Sendable {
    /// Stores a new request. An existing hash gives ``IdentityStorageError/Code-swift.struct/duplicate`` and leaves it unchanged.
    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws

    /// The request with exactly this hash; nil when none or already consumed. Expiry is not checked.
    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest?

    /// Consumes (deletes) the request; false when there was none (never an error).
    @discardableResult func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool

    /// Get-and-consume in one step: exactly one concurrent caller receives the request.
    func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest?
}
