public import Configuration
public import IdentityStorage

extension DeploymentURLs {
    /// The URLs under `scope` of `configReader` (``DeploymentConfigKey``): `store`, and `configurationStore`,
    /// `keyStore`, `operationalStore`, `cacheStore` for parts kept elsewhere.
    ///
    /// ```swift
    /// // IDENTITYSTORAGE_STORE=postgres://app:secret@db/idp IDENTITYSTORAGE_CACHE_STORE=redis://cache:6379/0
    /// let urls = try DeploymentURLs(configReader: ConfigReader(provider: EnvironmentVariablesProvider()))
    /// ```
    /// - Throws: `IdentityStorageError` `invalidArgument` as ``DeploymentSettings/init(configReader:scope:)`` does,
    ///   and when no store is set for some part.
    public init(configReader: ConfigReader, scope: ConfigKey = DeploymentConfigKey.defaultScope) throws(IdentityStorageError) {
        self = try DeploymentSettings(configReader: configReader, scope: scope).urls()
    }
}

extension StoreOpener {
    /// Opens the deployment `configReader` describes under `scope`: its URLs (each distinct one once) and, unless
    /// `options` already sets one, the configuration cache it asks for.
    ///
    /// ```swift
    /// let config = ConfigReader(providers: [EnvironmentVariablesProvider(),
    ///                                       try await FileProvider<YAMLSnapshot>(filePath: "deployment.yaml")])
    /// let deployment = try await StoreOpener.builtIn.openDeployment(configReader: config)
    /// ```
    /// - Throws: `IdentityStorageError` `invalidArgument` naming the key to set when a value is invalid or a part's
    ///   store cannot hold it (URLs redacted), and the opener's errors.
    public func openDeployment(configReader: ConfigReader, scope: ConfigKey = DeploymentConfigKey.defaultScope,
                               options: StoreOpenOptions = StoreOpenOptions()) async throws -> Deployment {
        let settings = try DeploymentSettings(configReader: configReader, scope: scope)
        return try await openDeployment(settings, options: options, naming: { part in
            DeploymentConfigKey.url(of: part).name(in: scope)
        })
    }

    /// Opens the deployment `settings` describe (``DeploymentSettings/urls(defaultStore:)``, with the configuration
    /// cache they ask for unless `options` already sets one). A part whose store cannot hold it is refused before
    /// anything opens, naming each such part's setting as `naming` spells it (a key, an option).
    /// - Throws: `IdentityStorageError` `invalidArgument` for invalid settings or a part not held, and the opener's errors.
    public func openDeployment(_ settings: DeploymentSettings, defaultStore: String? = nil, options: StoreOpenOptions = StoreOpenOptions(),
                               naming: (DeploymentPart) -> String) async throws -> Deployment {
        let urls = try settings.urls(defaultStore: defaultStore)
        let refused = try partsNotHeld(urls)
        if let first = refused.first {
            let parts = Set(refused.map(\.part))
            let names = DeploymentPart.allCases.filter(parts.contains).map(naming)
            throw IdentityStorageError.invalidArgument("""
                store URL '\(first.url)' (\(first.driver.name)) cannot hold \(parts.names); it holds \(first.driver.parts(for: first.url).names): \
                give \(names.joined(separator: " and ")) a store that can
                """)
        }
        var options = options
        if options.configurationCache == nil { options.configurationCache = try settings.configurationCache() }
        return try await openDeployment(urls, options: options)
    }
}
