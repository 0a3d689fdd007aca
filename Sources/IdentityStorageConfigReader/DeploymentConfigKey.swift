public import Configuration
public import IdentityStorage

/// The keys a deployment is read from, each under a scope (``defaultScope``, `identitystorage`).
///
/// The names are the `idstore` options' in camel case (`--key-store` is `keyStore`), so one deployment reads the same
/// from flags, a file and the environment. swift-configuration's environment provider upper-cases each key and
/// splits camel case with underscores: `identitystorage.keyStore` is `IDENTITYSTORAGE_KEY_STORE`.
///
/// | key | type | environment variable |
/// |---|---|---|
/// | `store` | store URL | `IDENTITYSTORAGE_STORE` |
/// | `configurationStore` | store URL | `IDENTITYSTORAGE_CONFIGURATION_STORE` |
/// | `keyStore` | store URL | `IDENTITYSTORAGE_KEY_STORE` |
/// | `operationalStore` | store URL | `IDENTITYSTORAGE_OPERATIONAL_STORE` |
/// | `cacheStore` | store URL | `IDENTITYSTORAGE_CACHE_STORE` |
/// | `cacheConfiguration` | Boolean | `IDENTITYSTORAGE_CACHE_CONFIGURATION` |
/// | `configurationStaleness` | integer, milliseconds | `IDENTITYSTORAGE_CONFIGURATION_STALENESS` |
public enum DeploymentConfigKey: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The store URL of every part not given one of its own.
    case store
    /// Where clients, resources and identity providers live.
    case configurationStore
    /// Where signing keys and the data-protection key ring live.
    case keyStore
    /// Where grants, device codes, sessions, pushed authorization requests and CIBA requests live.
    case operationalStore
    /// Where the distributed cache lives.
    case cacheStore
    /// Whether the configuration part is read through a `ConfigurationCache` in process memory.
    case cacheConfiguration
    /// With ``cacheConfiguration``: how stale a read on another instance may be, in milliseconds (at least 20).
    case configurationStaleness

    /// The scope the keys are read under unless the caller gives another: `identitystorage`.
    public static let defaultScope: ConfigKey = "identitystorage"

    /// The key that gives `part` a store of its own.
    public static func url(of part: DeploymentPart) -> DeploymentConfigKey {
        switch part {
        case .configuration: .configurationStore
        case .keyMaterial: .keyStore
        case .operationalData: .operationalStore
        case .distributedCache: .cacheStore
        }
    }

    /// The part this key gives a store of its own, or nil for ``store`` and the cache settings.
    public var part: DeploymentPart? {
        DeploymentPart.allCases.first { Self.url(of: $0) == self }
    }

    /// Whether the value is a store URL, which may carry a password: read as a secret, never logged.
    public var isStoreURL: Bool { self == .store || part != nil }

    /// The key relative to the scope: `keyStore`.
    public var description: String { rawValue }

    /// The full key under `scope`, for messages and documentation: `identitystorage.keyStore`.
    public func name(in scope: ConfigKey) -> String {
        (scope.components + [rawValue]).joined(separator: ".")
    }
}
