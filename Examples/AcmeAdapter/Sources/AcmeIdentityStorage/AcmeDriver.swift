import IdentityStorage
import IdentityStorageMemory

/// Opens `acme:` URLs. Parameter: `message_sliding_expiration`, how long an authorization-parameters message lives
/// after its last read (a time, default 1 hour).
public struct AcmeDriver: IdentityStorageDriver {
    public init() {}

    public var name: String { "Acme" }
    public var schemes: [String] { ["acme"] }
    public var urlForms: [String] { ["acme:"] }

    public func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
        var parameters = StoreURLParameters(url, driver: name)
        let sliding = try parameters.duration("message_sliding_expiration") ?? .seconds(3600)
        try parameters.finish()   // an unknown parameter is refused, naming the ones above
        return AcmeBackend(memory: MemoryIdentityStorage(configuration: .init(clock: options.clock, messageSlidingExpiration: sliding)))
    }
}
