@_spi(Benchmark) import IdentityStorage
@_spi(Testing) import IdentityStorageMemory
@_spi(Testing) @_spi(Benchmark) import IdentityStorageMariaDB
@_spi(Testing) @_spi(Benchmark) import IdentityStoragePostgres
@_spi(Testing) @_spi(Benchmark) import IdentityStorageRedis
@_spi(Testing) @_spi(Benchmark) import IdentityStorageSQLite

/// Opens a store from a URL, for every adapter this package builds. The `idstore` tool uses it;
/// a server can too:
///
/// ```swift
/// let store = try await StoreOpener.open(url: configuration.storeURL)
/// let stores = store.makeStores()
/// ```
///
/// Depending on this module links every adapter; a server that uses one backend can depend on that
/// adapter alone and call its `open` directly.
public enum StoreOpener {
    /// Parses `url` (see ``StoreLocation``) and opens the store, migrating its schema.
    public static func open(url: String, clock: any WallClock = SystemWallClock()) async throws -> OpenedStore {
        try await open(try StoreLocation(parsing: url), clock: clock)
    }

    /// Opens the store at `location`, migrating its schema.
    public static func open(_ location: StoreLocation, clock: any WallClock = SystemWallClock()) async throws -> OpenedStore {
        switch location {
        case .memory:
            return OpenedStore(location: location, backend: .memory(MemoryIdentityStorage(configuration: .init(clock: clock))))
        case .sqlite(let path):
            var configuration = SQLiteIdentityStorage.Configuration(path: path)
            configuration.clock = clock
            return OpenedStore(location: location, backend: .sqlite(try await SQLiteIdentityStorage.open(configuration)))
        case .postgres(let address):
            var configuration = try PostgresIdentityStorage.Configuration(address: address)
            configuration.clock = clock
            return OpenedStore(location: location, backend: .postgres(try await PostgresIdentityStorage.open(configuration)))
        case .mariadb(let address):
            var configuration = try MariaDBIdentityStorage.Configuration(address: address)
            configuration.clock = clock
            return OpenedStore(location: location, backend: .mariadb(try await MariaDBIdentityStorage.open(configuration)))
        case .redis(let address), .redisCluster(let address):
            var configuration = try RedisIdentityStorage.Configuration(address: address)
            configuration.clock = clock
            return OpenedStore(location: location, backend: .redis(try await RedisIdentityStorage.open(configuration)))
        }
    }
}

/// A store opened by ``StoreOpener``: hands out stores and closes the connections.
public struct OpenedStore: Sendable {
    enum Backend: Sendable {
        case memory(MemoryIdentityStorage)
        case sqlite(SQLiteIdentityStorage)
        case postgres(PostgresIdentityStorage)
        case mariadb(MariaDBIdentityStorage)
        case redis(RedisIdentityStorage)
    }

    /// Where the store is; its `description` hides any password.
    public let location: StoreLocation
    let backend: Backend

    /// Every store. `clock` overrides the clock given at open (tests pass a manual one).
    /// For `memory:` each call returns new, empty stores.
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        switch backend {
        case .memory(let storage):
            guard let clock else { return storage.makeStores() }
            var configuration = storage.configuration
            configuration.clock = clock
            return MemoryIdentityStorage(configuration: configuration).makeStores()
        case .sqlite(let storage): return storage.makeStores(clock: clock)
        case .postgres(let storage): return storage.makeStores(clock: clock)
        case .mariadb(let storage): return storage.makeStores(clock: clock)
        case .redis(let storage): return storage.makeStores(clock: clock)
        }
    }

    /// The schema version in force, or nil for a backend without a schema (memory, Redis).
    public func schemaVersion() async throws -> Int? {
        switch backend {
        case .memory, .redis: return nil
        case .sqlite(let storage): return try await storage.schemaVersion()
        case .postgres(let storage): return try await storage.schemaVersion()
        case .mariadb(let storage): return try await storage.schemaVersion()
        }
    }

    /// Closes every connection; the stores must not be used afterwards.
    public func close() async {
        switch backend {
        case .memory: break
        case .sqlite(let storage): await storage.close()
        case .postgres(let storage): await storage.close()
        case .mariadb(let storage): await storage.close()
        case .redis(let storage): await storage.close()
        }
    }

    /// For `idstore bench`: the adapter's raw C-library baseline, when it has one.
    @_spi(Benchmark)
    public var rawBaseline: (any RawGrantBaseline)? { benchmarkedAdapter }

    /// For `idstore bench`: a batched grant loader, when the adapter has one.
    @_spi(Benchmark)
    public var bulkLoader: (any GrantBulkLoading)? { benchmarkedAdapter }

    /// The C-library adapters have both a raw baseline and a bulk loader; the in-memory one has neither.
    private var benchmarkedAdapter: (any RawGrantBaseline & GrantBulkLoading)? {
        switch backend {
        case .sqlite(let storage): return storage
        case .postgres(let storage): return storage
        case .mariadb(let storage): return storage
        case .redis(let storage): return storage
        case .memory: return nil
        }
    }

    /// Test hook: damages stored data of `stores` behind their back, for the corrupted-data conformance cases.
    @_spi(Testing)
    public func corrupt(_ corruption: StoredDataCorruption, in stores: IdentityStores) async throws {
        switch backend {
        case .memory: MemoryIdentityStorage.corrupt(corruption, in: stores)
        case .sqlite(let storage): try await storage.corrupt(corruption)
        case .postgres(let storage): try await storage.corrupt(corruption)
        case .mariadb(let storage): try await storage.corrupt(corruption)
        case .redis(let storage): try await storage.corrupt(corruption, in: stores)
        }
    }
}

extension StoreLocation {
    /// The adapter's name: `memory`, `sqlite`, `postgres`, `mariadb`, `redis`, `redis-cluster`.
    public var backendName: String {
        switch self {
        case .memory: return "memory"
        case .sqlite: return "sqlite"
        case .postgres: return "postgres"
        case .mariadb: return "mariadb"
        case .redis: return "redis"
        case .redisCluster: return "redis-cluster"
        }
    }
}
