import Foundation

/// A client-initiated backchannel authentication (CIBA) request.
///
/// The public `auth_req_id` given to the client is never stored: the store keeps only its SHA-256,
/// ``internalId`` (see ``BackchannelAuthenticationRequestStore/internalId(forAuthenticationRequestId:)``).
public struct BackchannelAuthenticationRequest: Hashable, Sendable, Codable {
    /// Unique, case-sensitive hash of the public request id; set by the store on create.
    public var internalId: String
    public var creationTime: Date
    /// Lifetime in seconds; the request expires at ``creationTime`` plus this.
    public var lifetime: Int
    public var clientId: String
    public var subjectId: String
    public var requestedScopes: [String]
    public var requestedResourceIndicators: [String]?
    public var authenticationContextReferenceClasses: [String]?
    public var tenant: String?
    public var idP: String?
    public var bindingMessage: String?
    public var isComplete: Bool
    public var authorizedScopes: [String]?
    public var sessionId: String?
    public var description: String?
    /// Extra values; upstream allows any JSON value, serialised by the caller to strings.
    public var properties: [String: String]

    public init(internalId: String = "", creationTime: Date, lifetime: Int, clientId: String, subjectId: String,
                requestedScopes: [String] = [], requestedResourceIndicators: [String]? = nil,
                authenticationContextReferenceClasses: [String]? = nil, tenant: String? = nil, idP: String? = nil,
                bindingMessage: String? = nil, isComplete: Bool = false, authorizedScopes: [String]? = nil,
                sessionId: String? = nil, description: String? = nil, properties: [String: String] = [:]) {
        self.internalId = internalId
        self.creationTime = creationTime
        self.lifetime = lifetime
        self.clientId = clientId
        self.subjectId = subjectId
        self.requestedScopes = requestedScopes
        self.requestedResourceIndicators = requestedResourceIndicators
        self.authenticationContextReferenceClasses = authenticationContextReferenceClasses
        self.tenant = tenant
        self.idP = idP
        self.bindingMessage = bindingMessage
        self.isComplete = isComplete
        self.authorizedScopes = authorizedScopes
        self.sessionId = sessionId
        self.description = description
        self.properties = properties
    }

    /// When the request expires.
    public var expiration: Date { creationTime.addingTimeInterval(TimeInterval(lifetime)) }
}
