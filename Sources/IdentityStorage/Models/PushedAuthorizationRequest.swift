import Foundation

/// A pushed authorization request (RFC 9126), stored under the hash of its `request_uri` reference value.
public struct PushedAuthorizationRequest: Hashable, Sendable, Codable {
    /// Unique, case-sensitive SHA-256 of the reference value, computed by the caller.
    public var referenceValueHash: String
    /// Stores never check it on read; cleanup removes past ones.
    public var expiresAt: Date
    /// The data-protected request parameters; opaque.
    public var parameters: String

    /// A request stored under `referenceValueHash`, expiring at `expiresAt`, with its `parameters`.
    public init(referenceValueHash: String, expiresAt: Date, parameters: String) {
        self.referenceValueHash = referenceValueHash
        self.expiresAt = expiresAt
        self.parameters = parameters
    }
}
