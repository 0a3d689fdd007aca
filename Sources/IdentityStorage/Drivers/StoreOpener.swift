/// Opens stores by URL through a list of drivers, knowing none of them by name.
///
/// `IdentityStorageOpener` provides the built-in list (`[any IdentityStorageDriver].builtIn`); a server extends
/// it with its own drivers in one line:
///
/// ```swift
/// let opener = StoreOpener(drivers: .builtIn + [AcmeDriver()])
/// let store = try await opener.open(url: configuration.storeURL)
/// let stores = store.makeStores()
/// ```
public struct StoreOpener: Sendable {
    /// The registered drivers, in order. When two serve one scheme, the later one opens it, so a server can
    /// replace a built-in driver by appending its own.
    public let drivers: [any IdentityStorageDriver]

    /// An opener over `drivers`; for a scheme served by two, the later one wins.
    public init(drivers: [any IdentityStorageDriver]) {
        self.drivers = drivers
    }

    /// Every scheme a registered driver serves, in registration order, without repeats.
    public var schemes: [String] {
        var seen = Set<String>()
        return drivers.flatMap(\.schemes).filter { seen.insert($0).inserted }
    }

    /// The driver that opens `scheme` (case-insensitive), if one is registered.
    public func driver(forScheme scheme: String) -> (any IdentityStorageDriver)? {
        let wanted = scheme.lowercased()
        return drivers.last { $0.schemes.contains(wanted) }
    }

    /// Parses `text` and finds its driver. An unknown or missing scheme is an
    /// ``IdentityStorageError/Code-swift.struct/invalidArgument`` that lists the registered schemes.
    public func resolve(_ text: String) throws(IdentityStorageError) -> (url: StoreURL, driver: any IdentityStorageDriver) {
        let url: StoreURL
        do {
            url = try StoreURL(parsing: text)
        } catch where !text.contains(":") {
            throw .invalidArgument("store URL '\(StoreURL.redacting(text))' has no scheme; registered schemes: \(schemeList)")
        }
        return (url, try driver(for: url))
    }

    /// Opens the store `text` names (see ``resolve(_:)``), connecting and migrating its schema.
    public func open(url text: String, options: StoreOpenOptions = StoreOpenOptions()) async throws -> OpenedStore {
        let (url, driver) = try resolve(text)
        return try await open(url, with: driver, options: options)
    }

    /// Opens the store at `url`.
    public func open(_ url: StoreURL, options: StoreOpenOptions = StoreOpenOptions()) async throws -> OpenedStore {
        try await open(url, with: try driver(for: url), options: options)
    }

    private func open(_ url: StoreURL, with driver: any IdentityStorageDriver, options: StoreOpenOptions) async throws -> OpenedStore {
        try await OpenedStore.open(url, with: driver, options: options, cachingConfiguration: driver.parts(for: url).contains(.configuration))
    }

    private func driver(for url: StoreURL) throws(IdentityStorageError) -> any IdentityStorageDriver {
        guard let driver = driver(forScheme: url.scheme) else {
            throw .invalidArgument("unknown store URL scheme '\(url.scheme)'; registered schemes: \(schemeList)")
        }
        return driver
    }

    private var schemeList: String {
        let list = schemes
        return list.isEmpty ? "none (no driver is registered)" : list.joined(separator: ", ")
    }
}

/// A backend opened by a ``StoreOpener``, with the URL and driver it came from.
public struct OpenedStore: Sendable, CustomStringConvertible {
    /// The URL it was opened from; its `description` hides the password.
    public let url: StoreURL
    /// The driver that opened it.
    public let driver: any IdentityStorageDriver
    /// The opened backend: cast it to find optional abilities (`store.backend as? SomeAbility`).
    public let backend: any IdentityStorageBackend
    /// Where its stores log, measure and trace.
    public let observability: StoreObservability
    /// The cache its configuration stores read through, when it was opened with one.
    public let configurationCache: ConfigurationCache?

    /// A store opened from `url` by `driver`, with the observability and configuration cache it was opened with.
    public init(url: StoreURL, driver: any IdentityStorageDriver, backend: any IdentityStorageBackend,
                observability: StoreObservability = StoreObservability(), configurationCache: ConfigurationCache? = nil) {
        self.url = url
        self.driver = driver
        self.backend = backend
        self.observability = observability
        self.configurationCache = configurationCache
    }

    /// Opens `url` through `driver`, with a configuration cache over the backend's change channel when `options`
    /// ask for one and `cachingConfiguration` says this store holds the configuration.
    static func open(_ url: StoreURL, with driver: any IdentityStorageDriver, options: StoreOpenOptions,
                     cachingConfiguration: Bool) async throws -> OpenedStore {
        let backend = try await driver.open(url, options: options)
        guard cachingConfiguration, let settings = options.configurationCache else {
            return OpenedStore(url: url, driver: driver, backend: backend, observability: options.observability)
        }
        do throws(IdentityStorageError) {
            guard let source = backend as? any ConfigurationChangeSource else {
                throw .invalidArgument("store URL '\(url)' (\(driver.name)) has no configuration change channel, so its configuration cannot be cached; open it without the configuration cache")
            }
            let cache = try ConfigurationCache(source: source, configuration: settings, observability: options.observability)
            return OpenedStore(url: url, driver: driver, backend: backend, observability: options.observability, configurationCache: cache)
        } catch {
            await backend.close()
            throw error
        }
    }

    /// The URL, its password hidden.
    public var description: String { url.description }

    /// The backend's name and server address in metrics and spans.
    public var telemetryTarget: StoreTelemetryTarget {
        StoreTelemetryTarget(system: driver.telemetryName, serverAddress: url.hosts.first?.name, serverPort: url.hosts.first?.port)
    }

    /// Every store, instrumented (see ``IdentityStores/instrumented(for:observability:)``). `clock` overrides the
    /// clock given at open.
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let stores = backend.makeStores(clock: clock).instrumented(for: telemetryTarget, observability: observability)
        // Outside the instruments: their timers and spans measure the backend's work, the cache counts its hits.
        return configurationCache.map(stores.cachingConfiguration(in:)) ?? stores
    }

    /// The schema version in force, or nil for a backend without one.
    public func schemaVersion() async throws -> Int? {
        try await backend.schemaVersion()
    }

    /// Closes every connection (the configuration cache's channel first); the stores must not be used afterwards.
    public func close() async {
        await configurationCache?.close()
        await backend.close()
    }
}
