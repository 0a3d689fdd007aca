import IdentityStorage

/// Opens `memory:` URLs: a new, empty in-memory data set per open. The URL takes no parameters.
public struct MemoryDriver: IdentityStorageDriver {
    /// The driver; it holds no state.
    public init() {}

    public var name: String { "memory" }
    public var schemes: [String] { ["memory"] }
    public var urlForms: [String] { ["memory:"] }

    public func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
        guard url.hosts.isEmpty, url.path.isEmpty, url.user == nil, url.password == nil else {
            throw IdentityStorageError.invalidArgument("store URL '\(url)': memory: takes nothing after the colon")
        }
        try StoreURLParameters(url, driver: name).finish()
        return MemoryIdentityStorage(configuration: .init(clock: options.clock))
    }
}
