/// An identity resource: a named group of user claims requested as a scope (`openid`, `profile`, …).
public struct IdentityResource: Hashable, Sendable, Codable {
    /// Unique, case-sensitive name; also the scope name.
    public var name: String
    public var enabled: Bool = true
    public var displayName: String?
    public var description: String?
    public var showInDiscoveryDocument: Bool = true
    public var userClaims: Set<String> = []
    public var properties: [String: String] = [:]
    public var required: Bool = false
    public var emphasize: Bool = false

    public init(name: String, userClaims: Set<String> = []) {
        self.name = name
        self.userClaims = userClaims
    }
}

/// An API scope.
public struct ApiScope: Hashable, Sendable, Codable {
    /// Unique, case-sensitive name.
    public var name: String
    public var enabled: Bool = true
    public var displayName: String?
    public var description: String?
    public var showInDiscoveryDocument: Bool = true
    public var userClaims: Set<String> = []
    public var properties: [String: String] = [:]
    public var required: Bool = false
    public var emphasize: Bool = false

    public init(name: String) {
        self.name = name
    }
}

/// An API resource: an audience with its scopes and secrets.
public struct ApiResource: Hashable, Sendable, Codable {
    /// Unique, case-sensitive name.
    public var name: String
    public var enabled: Bool = true
    public var displayName: String?
    public var description: String?
    public var showInDiscoveryDocument: Bool = true
    public var userClaims: Set<String> = []
    public var properties: [String: String] = [:]
    public var requireResourceIndicator: Bool = false
    public var apiSecrets: Set<Secret> = []
    /// Names of the API scopes this resource serves.
    public var scopes: Set<String> = []
    public var allowedAccessTokenSigningAlgorithms: Set<String> = []

    public init(name: String, scopes: Set<String> = []) {
        self.name = name
        self.scopes = scopes
    }
}

/// Every resource of a store, including disabled ones and those hidden from discovery.
public struct Resources: Hashable, Sendable, Codable {
    public var identityResources: [IdentityResource]
    public var apiResources: [ApiResource]
    public var apiScopes: [ApiScope]

    public init(identityResources: [IdentityResource] = [], apiResources: [ApiResource] = [], apiScopes: [ApiScope] = []) {
        self.identityResources = identityResources
        self.apiResources = apiResources
        self.apiScopes = apiScopes
    }
}
