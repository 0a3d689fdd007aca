/// Authorization-request parameters kept between requests (upstream `IAuthorizationParametersMessageStore`).
public protocol AuthorizationParametersMessageStore: Sendable {
    /// Stores the message under a new random id and returns the id. The `request_uri` parameter is dropped, as upstream.
    func writeMessage(_ message: AuthorizationParametersMessage) async throws -> String
    /// The message, or nil when missing or expired (upstream returns an empty message; nil is unambiguous).
    func readMessage(id: String) async throws -> AuthorizationParametersMessage?
    /// Deletes the message; false when there was none.
    @discardableResult func deleteMessage(id: String) async throws -> Bool
}
