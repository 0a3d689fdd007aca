import IdentityStorage

/// Opens `file:` URLs: a configuration document (`file:/etc/idp/configuration.json`) or a key-material directory
/// (`file:/etc/idp/keys`). Parameters: `lock_timeout`, `read_only` (see ``FileIdentityStorage/Configuration``).
///
/// A path ending in `.json` is a document, which holds configuration only; any other path is a directory, which
/// holds key material only. Give the other parts of a deployment stores of their own (`--store postgres://… --configuration-store file:… --key-store file:…`).
public struct FileDriver: ConfigurableBackendDriver {
    /// The backend this driver opens.
    public typealias Backend = FileIdentityStorage

    /// The driver; it holds no state.
    public init() {}

    public var name: String { "file" }
    public var schemes: [String] { ["file"] }
    public var urlForms: [String] { ["file:/etc/idp/configuration.json", "file:/etc/idp/keys"] }

    public func parts(for url: StoreURL) -> Set<DeploymentPart> {
        FileIdentityStorage.Configuration.content(of: url.path) == .configuration ? [.configuration] : [.keyMaterial]
    }
}
