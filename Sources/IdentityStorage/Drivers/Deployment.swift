import Foundation

/// Where each part of a deployment lives: one URL for all four parts, any of which can be overridden.
///
/// ```swift
/// // Clients and keys in files, grants in PostgreSQL, the cache in Redis:
/// let urls = DeploymentURLs(store: "postgres://app:secret@db/idp",
///                           configuration: "file:/etc/idp/configuration.json", keyMaterial: "file:/etc/idp/keys",
///                           distributedCache: "redis://cache:6379/0")
/// ```
public struct DeploymentURLs: Sendable, Hashable {
    /// The URL of every part not overridden.
    public var store: String
    /// The parts that live elsewhere.
    public var overrides: [DeploymentPart: String]

    /// Every part at `store`, except those given a URL of their own.
    public init(store: String, configuration: String? = nil, keyMaterial: String? = nil, operationalData: String? = nil,
                distributedCache: String? = nil) {
        self.store = store
        var overrides: [DeploymentPart: String] = [:]
        overrides[.configuration] = configuration
        overrides[.keyMaterial] = keyMaterial
        overrides[.operationalData] = operationalData
        overrides[.distributedCache] = distributedCache
        self.overrides = overrides
    }

    /// The URL `part` lives at.
    public func url(for part: DeploymentPart) -> String { overrides[part] ?? store }
}

/// A deployment opened by ``StoreOpener/openDeployment(_:options:)``: each distinct URL opened once, its stores
/// composed part by part.
public struct Deployment: Sendable, CustomStringConvertible {
    /// The opened stores, one per distinct URL, in the order of the parts they first hold.
    public let stores: [OpenedStore]
    private let indexByPart: [DeploymentPart: Int]

    init(stores: [OpenedStore], indexByPart: [DeploymentPart: Int]) {
        self.stores = stores
        self.indexByPart = indexByPart
    }

    /// The store that holds `part`.
    public func store(for part: DeploymentPart) -> OpenedStore { stores[indexByPart[part]!] }

    /// The parts `store` (one of ``stores``) holds.
    public func parts(of store: Int) -> Set<DeploymentPart> { Set(indexByPart.filter { $0.value == store }.keys) }

    /// Whether the parts live in more than one place.
    public var isMixed: Bool { stores.count > 1 }

    /// Every store of the deployment, each from the backend that holds its part. `clock` overrides the clock given
    /// at open. The capabilities are those every backend in use has; cleanup removes cache entries from the
    /// distributed cache's backend and everything else from the operational data's.
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let made = stores.map { $0.makeStores(clock: clock) }
        func of(_ part: DeploymentPart) -> IdentityStores { made[indexByPart[part]!] }
        let configuration = of(.configuration), keys = of(.keyMaterial), operational = of(.operationalData), cache = of(.distributedCache)
        let cleanup: any CleanupStore = indexByPart[.operationalData] == indexByPart[.distributedCache]
            ? operational.cleanup : operational.cleanup.replacing(cacheEntries: cache.cleanup)
        return IdentityStores(
            clients: configuration.clients, resources: configuration.resources, identityProviders: configuration.identityProviders,
            signingKeys: keys.signingKeys, keyRing: keys.keyRing,
            grants: operational.grants, deviceFlow: operational.deviceFlow, sessions: operational.sessions,
            pushedAuthorizationRequests: operational.pushedAuthorizationRequests, backchannelRequests: operational.backchannelRequests,
            cache: cache.cache, replayCache: cache.replayCache, authorizationParametersMessages: cache.authorizationParametersMessages,
            deviceFlowThrottling: cache.deviceFlowThrottling, cleanup: cleanup,
            // Families are the grant store's alone: the operational part's backend decides (StoreCapabilities.ofOnePart).
            capabilities: StoreCapabilities.combined { of($0).capabilities })
    }

    /// Closes every store once.
    public func close() async {
        for store in stores { await store.close() }
    }

    /// The URL for a deployment in one place; otherwise each part with its URL (passwords redacted).
    public var description: String {
        guard isMixed else { return stores[0].url.description }
        return DeploymentPart.allCases.map { "\($0)=\(store(for: $0).url)" }.joined(separator: " ")
    }
}

extension StoreOpener {
    /// Opens the deployment `urls` describe: each distinct URL once, through the driver of its scheme. A part whose
    /// URL's driver cannot hold it is refused before anything is opened, naming the part; if one store fails to
    /// open, those already open are closed again.
    public func openDeployment(_ urls: DeploymentURLs, options: StoreOpenOptions = StoreOpenOptions()) async throws -> Deployment {
        var distinct: [(url: StoreURL, driver: any IdentityStorageDriver)] = []
        var indexByPart: [DeploymentPart: Int] = [:]
        for part in DeploymentPart.allCases {
            let (url, driver) = try resolve(urls.url(for: part))
            guard driver.parts(for: url).contains(part) else { throw Self.notHeld(part, url: url, driver: driver) }
            if let index = distinct.firstIndex(where: { $0.url == url }) {
                indexByPart[part] = index
            } else {
                indexByPart[part] = distinct.count
                distinct.append((url, driver))
            }
        }
        var opened: [OpenedStore] = []
        do {
            for (index, (url, driver)) in distinct.enumerated() {
                opened.append(try await OpenedStore.open(url, with: driver, options: options,
                                                         cachingConfiguration: indexByPart[.configuration] == index))
            }
        } catch {
            for store in opened { await store.close() }
            throw error
        }
        return Deployment(stores: opened, indexByPart: indexByPart)
    }

    /// The parts of `urls` whose driver cannot hold them, for a caller that names its own settings in the message.
    public func partsNotHeld(_ urls: DeploymentURLs) throws(IdentityStorageError) -> [(part: DeploymentPart, url: StoreURL, driver: any IdentityStorageDriver)] {
        var refused: [(part: DeploymentPart, url: StoreURL, driver: any IdentityStorageDriver)] = []
        for part in DeploymentPart.allCases {
            let (url, driver) = try resolve(urls.url(for: part))
            if !driver.parts(for: url).contains(part) { refused.append((part, url, driver)) }
        }
        return refused
    }

    static func notHeld(_ part: DeploymentPart, url: StoreURL, driver: any IdentityStorageDriver) -> IdentityStorageError {
        .invalidArgument("store URL '\(url)' (\(driver.name)) cannot hold \(part); it holds \(driver.parts(for: url).names): give \(part) a store of its own")
    }
}
