/// A backend's entry point: the URL schemes it serves and how it opens one of its URLs.
///
/// Every adapter module exports one (`SQLiteDriver`, `PostgresDriver`, …); an adapter written outside this
/// package defines its own, and a server or tool registers it beside the built-in ones with a ``StoreOpener``:
///
/// ```swift
/// struct AcmeDriver: IdentityStorageDriver {
///     var name: String { "Acme KV" }
///     var schemes: [String] { ["acme"] }
///     var urlForms: [String] { ["acme://host:7000/namespace"] }
///
///     func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
///         var parameters = StoreURLParameters(url, driver: name)
///         let timeout = try parameters.duration("timeout") ?? .seconds(5)
///         try parameters.finish()
///         return try await AcmeBackend.connect(url, timeout: timeout, clock: options.clock)
///     }
/// }
/// ```
public protocol IdentityStorageDriver: Sendable {
    /// The backend's name in messages and tables: `"PostgreSQL"`.
    var name: String { get }
    /// The URL schemes this driver opens, lower-case (`["postgres", "postgresql"]`).
    var schemes: [String] { get }
    /// Example URLs for help texts and error messages (`"postgres://user:password@host:5432/database"`).
    var urlForms: [String] { get }
    /// The parts of a deployment the backend of `url` can hold. Default: all four. A driver whose URLs differ in
    /// what they hold (a document for configuration, a directory for key material) answers per URL.
    func parts(for url: StoreURL) -> Set<DeploymentPart>
    /// The backend's system name in metrics, spans and logs (OpenTelemetry's `db.system.name`: `postgresql`,
    /// `redis`). Default: the first scheme.
    var telemetryName: String { get }

    /// Opens the backend `url` names (connecting, migrating its schema), with the settings in `options`.
    ///
    /// Called only with a URL whose scheme is one of ``schemes``. Reads its parameters through
    /// ``StoreURLParameters``, so an unknown parameter is refused with the list of those it takes.
    /// Errors are ``IdentityStorageError``s whose messages show the URL redacted, never a password.
    func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend
}

extension IdentityStorageDriver {
    public func parts(for url: StoreURL) -> Set<DeploymentPart> { .all }
    public var telemetryName: String { schemes.first ?? name.lowercased() }
}

/// What every driver is given besides the URL when it opens a backend.
public struct StoreOpenOptions: Sendable {
    /// The clock every expiry decision of the opened stores uses. Default: the system clock.
    public var clock: any WallClock
    /// Whether opening applies pending schema migrations. Default: true. False opens without touching the schema
    /// (to read its status, or print the SQL a DBA applies); the stores then work once the schema is in place.
    public var migrate: Bool
    /// Where the opened stores log, measure and trace. Default: nowhere (see ``StoreObservability``).
    public var observability: StoreObservability
    /// When set, the configuration stores read through a ``ConfigurationCache`` with these bounds, fed by the
    /// change channel of the backend holding the configuration. Default: nil, every read asks the backend.
    public var configurationCache: ConfigurationCache.Configuration?

    /// Options with the given values; each defaults as its property states.
    public init(clock: any WallClock = SystemWallClock(), migrate: Bool = true, observability: StoreObservability = StoreObservability(),
                configurationCache: ConfigurationCache.Configuration? = nil) {
        self.clock = clock
        self.migrate = migrate
        self.observability = observability
        self.configurationCache = configurationCache
    }
}
