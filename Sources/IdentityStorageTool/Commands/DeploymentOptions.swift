public import ArgumentParser
import Foundation
public import IdentityStorage
import IdentityStorageConfigReader

/// Where a deployment's parts live, as command-line options with environment fallbacks: `--store` (`IDSTORE_URL`)
/// for every part, and `--configuration-store`, `--key-store`, `--operational-store`, `--cache-store` (their
/// `IDSTORE_*_URL` variables) for a part kept elsewhere. `idstore` and the example server share them; include them in
/// a command of your own with `@OptionGroup var deployment: DeploymentOptions`.
///
/// Below the options and their variables, the same settings are read through swift-configuration
/// (`DeploymentSettings`, in `IdentityStorageConfigReader`): the `IDENTITYSTORAGE_*` environment variables, then the JSON or YAML file `--config`
/// names (`IDSTORE_CONFIG`). An option always wins.
public struct DeploymentOptions: ParsableArguments, Sendable {
    /// `--config`: a JSON or YAML deployment file, read below the options and their environment variables.
    @Option(name: .long, help: ArgumentHelp("A deployment file, JSON (.json) or YAML (.yaml), its keys under 'identitystorage'; options and environment variables win over it (default: $IDSTORE_CONFIG).",
                                            valueName: "path"))
    public var config: String?

    /// `--store`: the store URL of every part not set on its own.
    @Option(name: .long, help: ArgumentHelp("Store URL of every part (default: $IDSTORE_URL, else $IDENTITYSTORAGE_STORE or the --config file, else sqlite:identity.db).", valueName: "url"))
    public var store: String?

    /// `--configuration-store`: where clients, resources and identity providers live.
    @Option(name: .long, help: ArgumentHelp("Where clients, resources and identity providers live (default: $IDSTORE_CONFIGURATION_URL, else --store).",
                                            valueName: "url"))
    public var configurationStore: String?

    /// `--key-store`: where signing keys and the data-protection key ring live.
    @Option(name: .long, help: ArgumentHelp("Where signing keys and the data-protection key ring live (default: $IDSTORE_KEY_URL, else --store).",
                                            valueName: "url"))
    public var keyStore: String?

    /// `--operational-store`: where grants, device codes, sessions, PAR and CIBA requests live.
    @Option(name: .long, help: ArgumentHelp("Where grants, device codes, sessions, PAR and CIBA requests live (default: $IDSTORE_OPERATIONAL_URL, else --store).",
                                            valueName: "url"))
    public var operationalStore: String?

    /// `--cache-store`: where the distributed cache lives.
    @Option(name: .long, help: ArgumentHelp("Where the distributed cache lives (default: $IDSTORE_CACHE_URL, else --store).", valueName: "url"))
    public var cacheStore: String?

    /// `--cache-configuration`: serve configuration reads from a configuration cache.
    @Flag(name: .long, help: ArgumentHelp("Read clients, resources and identity providers from process memory, emptied by every instance's writes through the configuration store's change channel."))
    public var cacheConfiguration = false

    /// `--configuration-staleness`: with the configuration cache, the maximum staleness in milliseconds.
    @Option(name: .long, help: ArgumentHelp("With --cache-configuration: how stale a read on another instance may be, in milliseconds (default 500).",
                                            valueName: "ms"))
    public var configurationStaleness: Int?

    public init() {}

    /// The option and environment variable that set `part`, for messages.
    public static func setting(of part: DeploymentPart) -> (option: String, environment: String) {
        switch part {
        case .configuration: ("--configuration-store", "IDSTORE_CONFIGURATION_URL")
        case .keyMaterial: ("--key-store", "IDSTORE_KEY_URL")
        case .operationalData: ("--operational-store", "IDSTORE_OPERATIONAL_URL")
        case .distributedCache: ("--cache-store", "IDSTORE_CACHE_URL")
        }
    }

    /// The settings in force: each option, else its `IDSTORE_*` variable, else its `IDENTITYSTORAGE_*` variable,
    /// else the `--config` file.
    /// - Throws: `IdentityStorageError` `invalidArgument` for a file that cannot be read or an invalid value in it
    ///   or in an `IDENTITYSTORAGE_*` variable, the key named and every URL redacted.
    public func settings() async throws(IdentityStorageError) -> DeploymentSettings {
        let environment = ProcessInfo.processInfo.environment
        func given(_ option: String?, _ variable: String) -> String? { option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } }
        var settings = try await DeploymentSettings.read(file: given(config, "IDSTORE_CONFIG"), environment: environment)
        if let store = given(store, "IDSTORE_URL") { settings.store = store }
        let options = [DeploymentPart.configuration: configurationStore, .keyMaterial: keyStore, .operationalData: operationalStore,
                       .distributedCache: cacheStore]
        for part in DeploymentPart.allCases {
            if let url = given(options[part] ?? nil, Self.setting(of: part).environment) { settings.overrides[part] = url }
        }
        if cacheConfiguration { settings.cacheConfiguration = true }
        if let configurationStaleness { settings.configurationStaleness = .milliseconds(configurationStaleness) }
        return settings
    }

    /// The URLs in force (see ``settings()``); the store is `sqlite:identity.db` when nothing sets one.
    public func urls() async throws(IdentityStorageError) -> DeploymentURLs {
        try await settings().urls(defaultStore: Self.defaultStore)
    }

    /// The configuration cache in force (`--cache-configuration`, `--configuration-staleness`, else their keys), or nil.
    public func configurationCache() async throws(IdentityStorageError) -> ConfigurationCache.Configuration? {
        try await settings().configurationCache()
    }

    /// Refuses a staleness under 20 ms as the options are parsed.
    public mutating func validate() throws {
        // Whether a staleness without the cache is wrong is known once the configuration is read (it may turn the
        // cache on): ``settings()`` tells.
        if let configurationStaleness, configurationStaleness < 20 { throw ValidationError("--configuration-staleness must be at least 20 ms") }
    }

    /// Opens the deployment through `opener` (each distinct URL once), with the configuration cache the options
    /// ask for unless `options` already sets one.
    /// - Throws: `IdentityStorageError` `invalidArgument` naming the option to set when a part's store cannot hold
    ///   it, and the opener's errors.
    public func openDeployment(with opener: StoreOpener, options: StoreOpenOptions = StoreOpenOptions()) async throws -> Deployment {
        let settings = try await settings()
        if settings.configurationStaleness != nil, settings.cacheConfiguration != true {
            throw IdentityStorageError.invalidArgument("--configuration-staleness needs --cache-configuration "
                                                       + "(or the configuration key identitystorage.cacheConfiguration: true)")
        }
        return try await opener.openDeployment(settings, defaultStore: Self.defaultStore, options: options) { part in
            let setting = Self.setting(of: part)
            return "\(setting.option) (or \(setting.environment), or \(DeploymentConfigKey.url(of: part).name(in: DeploymentConfigKey.defaultScope)))"
        }
    }

    /// The store of every part when neither an option, a variable nor the configuration names one.
    static let defaultStore = "sqlite:identity.db"
}
