import Foundation

/// A client-initiated backchannel authentication (CIBA) request.
///
/// The public `auth_req_id` given to the client is never stored: the store keeps only its SHA-256,
/// ``internalId`` (see ``BackchannelAuthenticationRequestStore/internalId(forAuthenticationRequestId:)``).
public struct BackchannelAuthenticationRequest: Hashable, Sendable, Codable {
    /// Unique, case-sensitive hash of the public request id; set by the store on create.
    public var internalId: String
    /// When the request was made.
    public var creationTime: Date
    /// Lifetime in seconds; the request expires at ``creationTime`` plus this.
    public var lifetime: Int
    /// The client that made the request.
    public var clientId: String
    /// The user asked to authenticate.
    public var subjectId: String
    /// The scopes the client asked for.
    public var requestedScopes: [String]
    /// The resource indicators the client asked for (RFC 8707), if any.
    public var requestedResourceIndicators: [String]?
    /// The authentication context class references the client asked for (`acr_values`), if any.
    public var authenticationContextReferenceClasses: [String]?
    /// The tenant the request names, if any.
    public var tenant: String?
    /// The identity provider the request names, if any.
    public var idP: String?
    /// The binding message shown to the user on both devices, if any.
    public var bindingMessage: String?
    /// Whether the user has answered the request.
    public var isComplete: Bool
    /// The scopes the user granted, once the request is complete.
    public var authorizedScopes: [String]?
    /// The user's session id, once the request is complete.
    public var sessionId: String?
    /// Free text describing the request.
    public var description: String?
    /// Extra values; upstream allows any JSON value, serialised by the caller to strings.
    public var properties: [String: String]

    /// A request, with every optional field unset by default. The store sets ``internalId`` when it creates the
    /// request.
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
