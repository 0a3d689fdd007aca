import Foundation
import IdentityStorage
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// Where key material lives in these tests: every backend's test server, and a `file:` key directory.
enum KeyStoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite, postgres, mariadb, redis
    case redisCluster = "redis-cluster"
    case file

    var testDescription: String { rawValue }

    /// Whether another process opening the same URL sees the same keys (`memory:` lives in one process).
    var isShared: Bool { self != .memory }

    /// A key store of this test's own (a file, schema, database, key prefix or directory), or nil when its server
    /// does not answer (a failure under `CI=true`).
    func privateStore(_ name: String, in scratch: Scratch, test: String = #function) async throws -> String? {
        let url: String
        switch self {
        case .file: return "file:\(scratch.path("keys-\(name)"))"
        case .memory: url = try await TestBackend.memory.privateStore(name, in: scratch)
        case .sqlite: url = try await TestBackend.sqlite.privateStore(name, in: scratch)
        case .postgres: url = try await TestBackend.postgres.privateStore(name, in: scratch)
        case .mariadb: url = try await TestBackend.mariadb.privateStore(name, in: scratch)
        case .redis: url = try await TestBackend.redis.privateStore(name, in: scratch)
        case .redisCluster: url = try await TestBackend.redisCluster.privateStore(name, in: scratch)
        }
        return await TestBackend.answers(url, test) ? url : nil
    }

    /// Runs `body` with the store at `url` opened (and migrated), holding its server's gate shared.
    static func withStore<T: Sendable>(_ url: String, _ body: @Sendable (OpenedStore) async throws -> T) async throws -> T {
        try await ServerGate.sharing(store: url) {
            let store = try await StoreOpener.builtIn.open(url: url)
            do {
                let result = try await body(store)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }
}

/// A fixed start for simulated clocks: instants the stores keep exactly, far from any real key's.
let simulationStart = Date(timeIntervalSince1970: 1_893_456_000) // 2030-01-01T00:00:00Z

let day: TimeInterval = 86_400
