public import ArgumentParser
import Foundation
public import IdentityStorage

/// Where a deployment's parts live, as command-line options with environment fallbacks: `--store` (`IDSTORE_URL`)
/// for every part, and `--configuration-store`, `--key-store`, `--operational-store`, `--cache-store` (their
/// `IDSTORE_*_URL` variables) for a part kept elsewhere. `idstore` and the example server share them; include them in
/// a command of your own with `@OptionGroup var deployment: DeploymentOptions`.
public struct DeploymentOptions: ParsableArguments, Sendable {
    /// `--store`: the store URL of every part not set on its own.
    @Option(name: .long, help: ArgumentHelp("Store URL of every part (default: $IDSTORE_URL, else sqlite:identity.db).", valueName: "url"))
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

    /// The URLs in force: each option, else its environment variable, else the store's.
    public var urls: DeploymentURLs {
        let environment = ProcessInfo.processInfo.environment
        func given(_ option: String?, _ variable: String) -> String? { option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } }
        return DeploymentURLs(store: given(store, "IDSTORE_URL") ?? "sqlite:identity.db",
                              configuration: given(configurationStore, Self.setting(of: .configuration).environment),
                              keyMaterial: given(keyStore, Self.setting(of: .keyMaterial).environment),
                              operationalData: given(operationalStore, Self.setting(of: .operationalData).environment),
                              distributedCache: given(cacheStore, Self.setting(of: .distributedCache).environment))
    }

    /// The configuration cache these options ask for (`--cache-configuration`, `--configuration-staleness`), or nil.
    public var configurationCache: ConfigurationCache.Configuration? {
        guard cacheConfiguration else { return nil }
        var cache = ConfigurationCache.Configuration()
        if let configurationStaleness { cache.maximumStaleness = .milliseconds(configurationStaleness) }
        return cache
    }

    public mutating func validate() throws {
        if configurationStaleness != nil, !cacheConfiguration { throw ValidationError("--configuration-staleness needs --cache-configuration") }
        if let configurationStaleness, configurationStaleness < 20 { throw ValidationError("--configuration-staleness must be at least 20 ms") }
    }

    /// Opens the deployment through `opener` (each distinct URL once), with the configuration cache the options
    /// ask for unless `options` already sets one.
    /// - Throws: `IdentityStorageError` `invalidArgument` naming the option to set when a part's store cannot hold
    ///   it, and the opener's errors.
    public func openDeployment(with opener: StoreOpener, options: StoreOpenOptions = StoreOpenOptions()) async throws -> Deployment {
        let urls = self.urls
        let refused = try opener.partsNotHeld(urls)
        if let first = refused.first {
            let parts = Set(refused.map(\.part))
            let settings = DeploymentPart.allCases.filter(parts.contains).map(Self.setting(of:))
            throw IdentityStorageError.invalidArgument("""
                store URL '\(first.url)' (\(first.driver.name)) cannot hold \(parts.names); it holds \(first.driver.parts(for: first.url).names): \
                give \(settings.map(\.option).joined(separator: " and ")) (or \(settings.map(\.environment).joined(separator: ", "))) \
                a store that can
                """)
        }
        var options = options
        if options.configurationCache == nil { options.configurationCache = configurationCache }
        return try await opener.openDeployment(urls, options: options)
    }
}
