/// A configuration that a store URL describes, with the clock the opened stores judge expiry by.
public protocol URLConfiguration: Sendable {
    /// The configuration `url` describes; bad input is ``IdentityStorageError/Code-swift.struct/invalidArgument``.
    init(url: StoreURL) throws(IdentityStorageError)
    /// The clock every expiry decision uses.
    var clock: any WallClock { get set }
    /// Where the backend logs and reports its connections and pool. Default: a configuration without one ignores it.
    var observability: StoreObservability { get set }

    /// Takes what applies of `options`. Default: the clock. A configuration whose backend has a schema takes
    /// ``StoreOpenOptions/migrate`` too.
    mutating func apply(_ options: StoreOpenOptions)
}

extension URLConfiguration {
    public var observability: StoreObservability {
        get { StoreObservability() }
        set {}
    }

    public mutating func apply(_ options: StoreOpenOptions) {
        clock = options.clock
        observability = options.observability
    }
}

/// A backend opened from a ``URLConfiguration``: the shape of every built-in adapter but the in-memory one.
public protocol ConfigurableBackend: IdentityStorageBackend {
    /// The backend's settings, read from a store URL.
    associatedtype Configuration: URLConfiguration
    /// Connects (or opens the file) and migrates the schema.
    static func open(_ configuration: Configuration) async throws -> Self
}

/// A driver whose backend is a ``ConfigurableBackend``: `open` parses the configuration from the URL, applies the
/// options, and opens the backend. Such a driver states only its name, schemes and URL forms.
public protocol ConfigurableBackendDriver: IdentityStorageDriver {
    /// The backend the driver opens.
    associatedtype Backend: ConfigurableBackend
}

extension ConfigurableBackendDriver {
    public func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
        var configuration = try Backend.Configuration(url: url)
        configuration.apply(options)
        return try await Backend.open(configuration)
    }
}

/// A configuration whose backend keeps a schema that `open` migrates: it takes ``StoreOpenOptions/migrate`` too.
public protocol SchemaConfiguration: URLConfiguration {
    /// Whether `open` applies pending migrations (false: it opens without touching the schema).
    var migratesOnOpen: Bool { get set }
}

extension SchemaConfiguration {
    /// Takes the clock and ``StoreOpenOptions/migrate``.
    public mutating func apply(_ options: StoreOpenOptions) {
        clock = options.clock
        observability = options.observability
        migratesOnOpen = options.migrate
    }
}
