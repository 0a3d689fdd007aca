/// A dynamic external identity provider (Duende's `IdentityProvider`), with its settings as string properties.
public struct IdentityProvider: Hashable, Sendable, Codable {
    /// Unique, case-sensitive authentication scheme.
    public var scheme: String
    /// The name shown on a login page.
    public var displayName: String?
    /// Whether users may log in through the provider. Default: true.
    public var enabled: Bool = true
    /// The provider type, `"oidc"` for OpenID Connect. Any type is stored and returned; the caller maps it.
    public var type: String
    /// Type-specific settings (`Authority`, `ClientId`, …), as upstream's string properties.
    public var properties: [String: String] = [:]

    /// A provider for `scheme`, of `type` (OpenID Connect by default), with its settings in `properties`.
    public init(scheme: String, type: String = "oidc", displayName: String? = nil, enabled: Bool = true, properties: [String: String] = [:]) {
        self.scheme = scheme
        self.type = type
        self.displayName = displayName
        self.enabled = enabled
        self.properties = properties
    }
}

/// The name and state of an identity provider, as listed for a login page.
public struct IdentityProviderName: Hashable, Sendable, Codable {
    /// The provider's authentication scheme.
    public var scheme: String
    /// The name shown on a login page.
    public var displayName: String?
    /// Whether users may log in through the provider.
    public var enabled: Bool

    /// The listing of one provider.
    public init(scheme: String, displayName: String?, enabled: Bool) {
        self.scheme = scheme
        self.displayName = displayName
        self.enabled = enabled
    }
}
