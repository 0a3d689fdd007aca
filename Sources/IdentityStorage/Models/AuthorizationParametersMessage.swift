import Foundation

/// Authorization-request parameters kept between the authorize endpoint and the login page
/// (upstream's `Message<IDictionary<string, string[]>>`).
public struct AuthorizationParametersMessage: Hashable, Sendable, Codable {
    /// When the message was written.
    public var created: Date
    /// The parameters; a name may carry several values.
    public var parameters: [String: [String]]

    /// A message created at `created` carrying `parameters`.
    public init(created: Date, parameters: [String: [String]]) {
        self.created = created
        self.parameters = parameters
    }
}
