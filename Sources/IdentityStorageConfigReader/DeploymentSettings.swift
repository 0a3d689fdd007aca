public import IdentityStorage

/// A deployment as configuration describes it: the store URL of every part, the parts kept elsewhere, and the
/// configuration cache; each value nil where nothing set it.
///
/// Read it from any `ConfigReader` with ``init(configReader:scope:)``, lay flags over it (a value set here wins),
/// then take ``urls(defaultStore:)`` and ``configurationCache()``. The URLs may carry passwords: the description,
/// `dump` and debuggers show them redacted (`StoreURL` redaction).
public struct DeploymentSettings: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The store URL of every part not overridden (``DeploymentConfigKey/store``).
    public var store: String?
    /// The parts given a store of their own (``DeploymentConfigKey/url(of:)``).
    public var overrides: [DeploymentPart: String]
    /// Whether the configuration part is read through a configuration cache (``DeploymentConfigKey/cacheConfiguration``).
    public var cacheConfiguration: Bool?
    /// How stale a cached configuration read may be (``DeploymentConfigKey/configurationStaleness``).
    public var configurationStaleness: Duration?

    /// Settings from their values; every one optional.
    public init(store: String? = nil, overrides: [DeploymentPart: String] = [:], cacheConfiguration: Bool? = nil,
                configurationStaleness: Duration? = nil) {
        self.store = store
        self.overrides = overrides
        self.cacheConfiguration = cacheConfiguration
        self.configurationStaleness = configurationStaleness
    }

    /// The deployment's URLs: every part at ``store`` (else `defaultStore`) unless overridden.
    /// - Throws: `IdentityStorageError` `invalidArgument` when neither gives a store and a part has no URL of its own.
    public func urls(defaultStore: String? = nil) throws(IdentityStorageError) -> DeploymentURLs {
        guard let store = store ?? defaultStore ?? (overrides.count == DeploymentPart.allCases.count ? overrides[.configuration] : nil) else {
            let missing = Set(DeploymentPart.allCases.filter { overrides[$0] == nil })
            throw .invalidArgument("no store URL for \(missing.names): set \(DeploymentConfigKey.store.name(in: DeploymentConfigKey.defaultScope)) "
                                   + "(IDENTITYSTORAGE_STORE) or a store for each part")
        }
        return DeploymentURLs(store: store, configuration: overrides[.configuration], keyMaterial: overrides[.keyMaterial],
                              operationalData: overrides[.operationalData], distributedCache: overrides[.distributedCache])
    }

    /// The configuration cache these settings ask for, or nil when ``cacheConfiguration`` is not `true`.
    /// - Throws: `IdentityStorageError` `invalidArgument` for a staleness without the cache, or under 20 ms.
    public func configurationCache() throws(IdentityStorageError) -> ConfigurationCache.Configuration? {
        if let configurationStaleness, configurationStaleness < .milliseconds(20) {
            throw .invalidArgument("configurationStaleness must be at least 20 ms")
        }
        guard cacheConfiguration == true else {
            if configurationStaleness != nil { throw .invalidArgument("configurationStaleness needs cacheConfiguration") }
            return nil
        }
        var cache = ConfigurationCache.Configuration()
        if let configurationStaleness { cache.maximumStaleness = configurationStaleness }
        return cache
    }

    /// The settings with every URL redacted: `store=postgres://app:***@db/idp keyStore=file:/etc/idp/keys`.
    public var description: String {
        var shown: [String] = []
        if let store { shown.append("store=\(StoreURL.redactedDescription(of: store))") }
        for part in DeploymentPart.allCases {
            if let url = overrides[part] { shown.append("\(DeploymentConfigKey.url(of: part))=\(StoreURL.redactedDescription(of: url))") }
        }
        if let cacheConfiguration { shown.append("cacheConfiguration=\(cacheConfiguration)") }
        if let configurationStaleness { shown.append("configurationStaleness=\(configurationStaleness)") }
        return shown.isEmpty ? "(nothing set)" : shown.joined(separator: " ")
    }

    /// The redacted description: `debugPrint` shows no password either.
    public var debugDescription: String { description }

    /// Reflection shows the redacted description only, so `dump` and debuggers never print a password.
    public var customMirror: Mirror { Mirror(self, children: ["settings": description], displayStyle: .struct) }
}
