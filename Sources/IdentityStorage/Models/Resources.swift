/// An identity resource: a named group of user claims requested as a scope (`openid`, `profile`, …).
public struct IdentityResource: Hashable, Sendable, Codable {
    /// Unique, case-sensitive name; also the scope name.
    public var name: String
    /// Whether the resource may be requested. Default: true.
    public var enabled: Bool = true
    /// The name shown on consent screens.
    public var displayName: String?
    /// Free text shown on consent screens.
    public var description: String?
    /// Whether the scope is listed in the discovery document. Default: true.
    public var showInDiscoveryDocument: Bool = true
    /// The user claims the scope gives access to.
    public var userClaims: Set<String> = []
    /// Free-form settings, as upstream's string properties.
    public var properties: [String: String] = [:]
    /// Whether the user may not deselect the scope on the consent screen. Default: false.
    public var required: Bool = false
    /// Whether the consent screen emphasizes the scope. Default: false.
    public var emphasize: Bool = false

    /// A resource named `name` giving access to `userClaims`.
    public init(name: String, userClaims: Set<String> = []) {
        self.name = name
        self.userClaims = userClaims
    }
}

/// An API scope.
public struct ApiScope: Hashable, Sendable, Codable {
    /// Unique, case-sensitive name.
    public var name: String
    /// Whether the scope may be requested. Default: true.
    public var enabled: Bool = true
    /// The name shown on consent screens.
    public var displayName: String?
    /// Free text shown on consent screens.
    public var description: String?
    /// Whether the scope is listed in the discovery document. Default: true.
    public var showInDiscoveryDocument: Bool = true
    /// The user claims added to access tokens carrying the scope.
    public var userClaims: Set<String> = []
    /// Free-form settings, as upstream's string properties.
    public var properties: [String: String] = [:]
    /// Whether the user may not deselect the scope on the consent screen. Default: false.
    public var required: Bool = false
    /// Whether the consent screen emphasizes the scope. Default: false.
    public var emphasize: Bool = false

    /// A scope named `name`, with upstream's defaults.
    public init(name: String) {
        self.name = name
    }
}

/// An API resource: an audience with its scopes and secrets.
public struct ApiResource: Hashable, Sendable, Codable {
    /// Unique, case-sensitive name.
    public var name: String
    /// Whether the resource is in use. Default: true.
    public var enabled: Bool = true
    /// The name shown on consent screens.
    public var displayName: String?
    /// Free text describing the resource.
    public var description: String?
    /// Whether the resource is listed in the discovery document. Default: true.
    public var showInDiscoveryDocument: Bool = true
    /// The user claims added to access tokens for this audience.
    public var userClaims: Set<String> = []
    /// Free-form settings, as upstream's string properties.
    public var properties: [String: String] = [:]
    /// Whether a token for this resource must be requested with a resource indicator (RFC 8707). Default: false.
    public var requireResourceIndicator: Bool = false
    /// The resource's secrets, for token introspection.
    public var apiSecrets: Set<Secret> = []
    /// Names of the API scopes this resource serves.
    public var scopes: Set<String> = []
    /// The algorithms access tokens for this resource may be signed with; empty for the server's default.
    public var allowedAccessTokenSigningAlgorithms: Set<String> = []

    /// A resource named `name` serving the API scopes `scopes`.
    public init(name: String, scopes: Set<String> = []) {
        self.name = name
        self.scopes = scopes
    }
}

/// Every resource of a store, including disabled ones and those hidden from discovery.
public struct Resources: Hashable, Sendable, Codable {
    /// Every identity resource.
    public var identityResources: [IdentityResource]
    /// Every API resource.
    public var apiResources: [ApiResource]
    /// Every API scope.
    public var apiScopes: [ApiScope]

    /// The given resources.
    public init(identityResources: [IdentityResource] = [], apiResources: [ApiResource] = [], apiScopes: [ApiScope] = []) {
        self.identityResources = identityResources
        self.apiResources = apiResources
        self.apiScopes = apiScopes
    }
}
