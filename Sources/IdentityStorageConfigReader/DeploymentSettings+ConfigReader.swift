public import Configuration
public import IdentityStorage

extension DeploymentSettings {
    /// Reads the settings under `scope` of `configReader` (keys: ``DeploymentConfigKey``), validating each value
    /// that is set; unset keys and empty strings stay nil, as an empty environment variable does.
    ///
    /// ```swift
    /// let config = ConfigReader(providers: [
    ///     EnvironmentVariablesProvider(),
    ///     try await FileProvider<JSONSnapshot>(filePath: "/etc/idp/deployment.json"),
    /// ])
    /// let settings = try DeploymentSettings(configReader: config)
    /// let deployment = try await StoreOpener.builtIn.openDeployment(try settings.urls(),
    ///     options: StoreOpenOptions(configurationCache: try settings.configurationCache()))
    /// ```
    ///
    /// Store URLs are read as secrets (`isSecret: true`), so swift-configuration's access reporters never log them.
    /// - Parameters:
    ///   - configReader: The reader; its providers' order is the precedence.
    ///   - scope: The key prefix, `identitystorage` unless given; `[]` reads the keys at the reader's own level.
    /// - Throws: `IdentityStorageError` `invalidArgument`, naming the full key, for a store URL that does not parse
    ///   (shown redacted), a value of the wrong type, or a staleness under 20 ms.
    public init(configReader: ConfigReader, scope: ConfigKey = DeploymentConfigKey.defaultScope) throws(IdentityStorageError) {
        let reader = ScopedKeys(reader: configReader, scope: scope)
        self.init()
        store = try reader.storeURL(.store)
        for part in DeploymentPart.allCases {
            overrides[part] = try reader.storeURL(DeploymentConfigKey.url(of: part))
        }
        cacheConfiguration = try reader.value(.cacheConfiguration, expected: "true or false") { configReader, key in
            configReader.bool(forKey: key)
        }
        if let milliseconds = try reader.value(.configurationStaleness, expected: "a whole number of milliseconds", read: { configReader, key in
            configReader.int(forKey: key)
        }) {
            guard milliseconds >= 20 else {
                throw .invalidArgument("configuration key '\(DeploymentConfigKey.configurationStaleness.name(in: scope))' must be at least 20 ms")
            }
            configurationStaleness = .milliseconds(milliseconds)
        }
    }
}

/// The keys of one scope, read with the checks every deployment setting gets.
private struct ScopedKeys {
    let reader: ConfigReader
    let scope: ConfigKey

    /// The store URL at `key`, parsed to check it; nil when unset or empty.
    func storeURL(_ key: DeploymentConfigKey) throws(IdentityStorageError) -> String? {
        let text = try value(key, expected: "a store URL") { reader, key in reader.string(forKey: key, isSecret: true) }
        guard let text, !text.isEmpty else { return nil }
        do {
            _ = try StoreURL(parsing: text)
        } catch {
            // StoreURL's message shows the URL redacted.
            throw .invalidArgument("configuration key '\(key.name(in: scope))': \(error.message)")
        }
        return text
    }

    /// The value at `key` read by `read`, nil when no provider has it.
    ///
    /// swift-configuration's optional getters answer nil both for a missing key and for a value of another type,
    /// and its error type is not public: a nil is told apart by asking for the value as every scalar type (as a
    /// secret, so a probe never logs it). A value of the wrong type is an error, never silently ignored.
    func value<Value>(_ key: DeploymentConfigKey, expected: String,
                      read: (ConfigReader, ConfigKey) -> Value?) throws(IdentityStorageError) -> Value? {
        let configKey = ConfigKey(scope.components + [key.rawValue])
        if let value = read(reader, configKey) { return value }
        let present = reader.string(forKey: configKey, isSecret: true) != nil || reader.int(forKey: configKey, isSecret: true) != nil
            || reader.double(forKey: configKey, isSecret: true) != nil || reader.bool(forKey: configKey, isSecret: true) != nil
            || reader.stringArray(forKey: configKey, isSecret: true) != nil
        guard present else { return nil }
        throw .invalidArgument("configuration key '\(key.name(in: scope))' must be \(expected)")
    }
}
