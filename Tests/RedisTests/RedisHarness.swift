import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageRedis
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import ServerTestSupport
import Testing

/// Which Redis the tests use: the standalone server or the 6-node cluster (`Scripts/services.sh start redis redis-cluster`).
enum RedisKind: String, Sendable, CaseIterable {
    case standalone
    case cluster

    var environmentVariable: String { self == .standalone ? "IDSTORE_TEST_REDIS_URL" : "IDSTORE_TEST_REDIS_CLUSTER_URL" }

    var defaultURL: String {
        self == .standalone ? "redis://127.0.0.1:26379/0"
            : "redis-cluster://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003,127.0.0.1:17004,127.0.0.1:17005,127.0.0.1:17006"
    }

    var url: String { ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL }

    /// The servers of the test URL.
    var endpoints: [RedisIdentityStorage.Configuration.Endpoint] {
        get throws { try RedisIdentityStorage.Configuration(url: StoreURL(parsing: url)).endpoints }
    }

    /// Test configuration: its own key prefix, a larger pool for the parallel suite.
    func configuration(prefix: String = "idstore-test:", clientName: String = "idstore-tests", poolSize: Int = 8) throws -> RedisIdentityStorage.Configuration {
        var configuration = try RedisIdentityStorage.Configuration(url: StoreURL(parsing: url))
        configuration.keyPrefix = prefix
        configuration.clientName = clientName
        configuration.poolSizePerNode = poolSize
        configuration.acquireTimeout = .seconds(30)
        return configuration
    }

    /// Serialises the fault tests that stop servers against every other test of this kind.
    var gate: ServerGate { self == .standalone ? ServerGate.redis : ServerGate.redisCluster }
}

/// One storage per kind for the whole test process (as a deployment would open it), or nil when the
/// server cannot be reached: then each test records an issue under `CI=true`, or says once that it did not run.
actor RedisServers {
    static let shared = RedisServers()
    private var opened: [RedisKind: Task<RedisIdentityStorage, any Error>] = [:]
    private var announced: Set<RedisKind> = []

    func storage(_ kind: RedisKind) async -> RedisIdentityStorage? {
        // One opening for every caller: the actor is re-entered while it opens (checking and then opening across
        // the await left hundreds of storages, and some ten thousand pool threads, behind).
        let opening = opened[kind] ?? Task { try await RedisIdentityStorage.open(try kind.configuration()) }
        opened[kind] = opening
        switch await opening.result {
        case .success(let storage): return storage
        case .failure(let error):
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("Redis \(kind.rawValue) at \(kind.url) is not reachable (CI=true requires it; start it with Scripts/services.sh start redis redis-cluster): \(error)")
            } else if announced.insert(kind).inserted {
                print("RedisTests: Redis \(kind.rawValue) at \(kind.url) not reachable, tests not run (\(error))")
            }
            return nil
        }
    }
}

/// The conformance harness: stores of the shared storage per case; corruption through the adapter's hook.
struct RedisHarness: ConformanceHarness {
    let kind: RedisKind
    let storage: RedisIdentityStorage

    var backendName: String { "redis-\(kind.rawValue)" }

    /// Set for cases that need the database to themselves (``ConformanceCase/needsDatabaseToItself``): they get a
    /// key prefix of their own; every other case shares the one keyspace, as a deployment would.
    let privatePrefix: String?

    init(kind: RedisKind, storage: RedisIdentityStorage, testCase: ConformanceCase) {
        self.kind = kind
        self.storage = storage
        privatePrefix = testCase.needsDatabaseToItself ? "idstore-test-\(testCase.name)-\(UInt32.random(in: 0 ... .max)):" : nil
    }

    var database: ConformanceDatabase {
        privatePrefix == nil ? .named("redis-\(kind.rawValue) idstore-test:") : .ownedByTheCase
    }

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        if let privatePrefix { return try storage.makeStores(clock: clock, keyPrefix: privatePrefix) }
        return storage.makeStores(clock: clock)
    }

    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        privatePrefix.map(storage.dataCorruption(keyPrefix:)) ?? storage
    }
}
