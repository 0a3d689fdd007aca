import IdentityStorage

/// Opens `sqlite:` URLs: `sqlite:identity.db` (relative to the working directory), `sqlite:/var/lib/idp/identity.db`,
/// `sqlite:///var/lib/idp/identity.db`, or `sqlite::memory:` for a private in-memory database.
///
/// Parameters: `readers`, `inline_bound` (a time, or `off`), `busy_timeout`, `acquire_timeout`, `writer_cache_kib`, `wal_autocheckpoint`
/// (see ``SQLiteIdentityStorage/Configuration``).
public struct SQLiteDriver: ConfigurableBackendDriver {
    /// The backend this driver opens.
    public typealias Backend = SQLiteIdentityStorage

    /// The driver; it holds no state.
    public init() {}

    public var name: String { "SQLite" }
    public var schemes: [String] { ["sqlite"] }
    public var urlForms: [String] { ["sqlite:identity.db", "sqlite:/var/lib/idp/identity.db", "sqlite::memory:"] }
}

extension SQLiteIdentityStorage.Configuration {
    /// The configuration a `sqlite:` URL describes (see ``SQLiteDriver``).
    public init(url: StoreURL) throws(IdentityStorageError) {
        var path = url.path
        if url.hasAuthority {
            // `sqlite://identity.db` and `sqlite://data/identity.db` name relative paths, as they always have.
            guard url.hosts.count <= 1, url.hosts.first?.port == nil, url.user == nil, url.password == nil else {
                throw .invalidArgument("store URL '\(url)' is not a file path; write sqlite:PATH (sqlite:identity.db, sqlite:/var/lib/idp/identity.db)")
            }
            path = (url.hosts.first?.name ?? "") + path
        }
        guard !path.isEmpty else {
            throw .invalidArgument("store URL '\(url)' needs a file path (sqlite:identity.db) or sqlite::memory:")
        }
        self.init(path: path)
        var parameters = StoreURLParameters(url, driver: "SQLite")
        readerCount = try parameters.integer("readers", in: 0...64) ?? readerCount
        if let text = parameters.string("inline_bound") {
            if text.lowercased() == "off" {
                inlineBound = nil
            } else if let bound = StoreURLParameters.duration(text) {
                inlineBound = bound
            } else {
                throw .invalidArgument("store URL '\(url)' has inline_bound=\(text); SQLite expects a positive time (1ms, 0.5ms) or off")
            }
        }
        busyTimeout = try parameters.duration("busy_timeout") ?? busyTimeout
        acquireTimeout = try parameters.duration("acquire_timeout") ?? acquireTimeout
        writerCacheKiB = try parameters.integer("writer_cache_kib", in: 0...(1 << 30)) ?? writerCacheKiB
        walAutoCheckpointPages = try parameters.integer("wal_autocheckpoint", in: 0...(1 << 30)) ?? walAutoCheckpointPages
        try parameters.finish()
        try validate()
    }
}
