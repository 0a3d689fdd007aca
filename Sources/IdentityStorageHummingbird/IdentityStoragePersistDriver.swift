#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
public import Hummingbird
public import IdentityStorage
import Foundation

/// Hummingbird's key-value persistence on IdentityStorage's distributed cache, so on every backend a driver opens:
/// memory, SQLite, PostgreSQL, MariaDB, Redis, Redis Cluster, or one of your own.
///
/// With it Hummingbird's session middleware (hummingbird-auth's `SessionStorage`) keeps sessions in the same
/// database as the rest of the identity server's data, shared by every instance:
///
/// ```swift
/// let deployment = try await StoreOpener.builtIn.openDeployment(DeploymentURLs(store: "postgres://…"))
/// let persist = IdentityStoragePersistDriver(cache: deployment.makeStores().cache)
/// router.add(middleware: SessionMiddleware(storage: persist))
/// let app = Application(router: router, services: [deployment])
/// ```
///
/// It behaves as Hummingbird's own drivers (memory, Valkey) do:
/// - ``create(key:value:expires:)`` of a key that holds a live value throws `PersistError.duplicate`. It is the cache's
///   add-if-absent, one statement or script on every backend: of any number of racing creates exactly one wins.
/// - ``set(key:value:expires:)`` overwrites; called without an expiry on a key that has one, it keeps that expiry.
/// - An expiry of zero or less means expired at once, as with Hummingbird's memory driver.
/// - ``get(key:as:)`` and ``getWithTTL(key:as:)`` of a live value that does not decode as the asked type throw
///   `PersistError.invalidConversion`, as Hummingbird's memory and Valkey drivers do (the protocol's comment says nil,
///   but hummingbird-auth's `SessionMiddleware` relies on the throw to expire the cookie of a session whose type
///   changed). An expired or missing value is nil, whatever its type.
/// - ``getWithTTL(key:as:)`` returns the time left before the value expires (nil for a value that never does).
///
/// Values are stored as JSON beside their expiry instant, in an entry the backend itself expires at that instant, so
/// expired values are gone from every instance at once and the store's cleanup removes them.
///
/// The driver does not own the store: run the opened `Deployment` (or `OpenedStore`) in the application's
/// `ServiceGroup`, which closes its connections on graceful shutdown. `run()` of the driver itself only waits.
public struct IdentityStoragePersistDriver: PersistDriver {
    /// The cache the values live in.
    public let cache: any DistributedCache
    /// Prepended to every key, so persisted values never meet the cache's other users (replay cache, messages).
    public let keyPrefix: String
    /// The clock expiry instants are computed with; the backend judges liveness by its own (the server's) clock.
    public let clock: any WallClock

    /// A driver over `cache`.
    /// - Parameters:
    ///   - cache: usually `deployment.makeStores().cache`.
    ///   - keyPrefix: default `hb-persist:`.
    ///   - clock: default the system's.
    public init(cache: any DistributedCache, keyPrefix: String = "hb-persist:", clock: any WallClock = SystemWallClock()) {
        self.cache = cache
        self.keyPrefix = keyPrefix
        self.clock = clock
    }

    public func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let key = keyPrefix + key
        if let expires, expires <= .zero {
            // Expired as soon as created, as with Hummingbird's memory driver: nothing to store, but still a duplicate.
            guard try await cache.get(key) == nil else { throw PersistError.duplicate }
            return
        }
        let entry = try PersistedEntry(value: value, expiresAt: expires.map(expiryInstant(after:)))
        guard try await cache.add(key, value: entry.bytes, options: entry.cacheOptions) else {
            throw PersistError.duplicate
        }
    }

    public func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let key = keyPrefix + key
        guard let expires else { return try await setKeepingExpiry(key, value: value) }
        guard expires > .zero else {
            // Expired as soon as written: the key holds nothing afterwards.
            try await cache.remove(key)
            return
        }
        let entry = try PersistedEntry(value: value, expiresAt: expiryInstant(after: expires))
        try await cache.set(key, value: entry.bytes, options: entry.cacheOptions)
    }

    public func get<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: Object.self)?.object
    }

    public func getWithTTL<Object: Codable & Sendable>(key: String, as: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        guard let bytes = try await cache.get(keyPrefix + key) else { return nil }
        let now = clock.now
        // Bytes that are not an entry at all fail to decode too: Valkey's driver throws for any decoding error.
        guard let header = PersistedEntry.header(of: bytes) else { throw PersistError.invalidConversion }
        // Expiry first, as in Hummingbird's memory driver: an expired value of another type is gone, not invalid.
        guard !header.hasExpired(at: now) else { return nil }
        guard let object = PersistedEntry.value(of: bytes, as: Object.self) else { throw PersistError.invalidConversion }
        return (object, header.timeToLive(at: now))
    }

    public func remove(key: String) async throws {
        try await cache.remove(keyPrefix + key)
    }

    private func expiryInstant(after duration: Duration) -> Date {
        clock.now.addingTimeInterval(duration.inSeconds)
    }
}
#endif  // Hummingbird
