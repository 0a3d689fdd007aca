import Foundation
import IdentityStorage
import IdentityStorageOpener
import Testing

/// Every built-in backend the tests run on, by the URL of its test server.
public enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite, postgres, mariadb, redis
    case redisCluster = "redis-cluster"

    /// The backends with a server of their own.
    public static let servers: [TestBackend] = [.postgres, .mariadb, .redis, .redisCluster]

    public var testDescription: String { rawValue }

    /// A store of this backend for one test alone, named by `name` (letters, digits, `_`): a file in `scratch`, a
    /// schema, a database or a key prefix of its own on the test server. Other suites never touch it, so a test may
    /// clean it up, kill its connections or measure its pool. MariaDB's database is created holding the server's gate
    /// shared, so that a fault test restarting the server meanwhile does not break the `mariadb` client's connection.
    public func privateStore(_ name: String, in scratch: Scratch) async throws -> String {
        switch self {
        case .memory: return "memory:"
        case .sqlite: return "sqlite:\(scratch.path("\(name).db"))"
        case .postgres: return Self.adding("schema=idstore_\(name)", to: TestServerURL.postgres)
        case .mariadb:
            var server = try StoreURL(parsing: TestServerURL.mariadb)
            let admin = ["--no-defaults", "-h", server.hosts[0].name, "-P", String(server.hosts[0].port ?? 3306), "-u", server.user ?? "root",
                         "-p\(server.password ?? "")", "-e", "CREATE DATABASE IF NOT EXISTS idstore_\(name) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"]
            let created = try await ServerGate.sharing(store: TestServerURL.mariadb) { try await shell("mariadb", admin) }
            server.path = "/idstore_\(name)"
            // A server that is not running is the caller's `answers` check to report (a test not run, or a CI failure),
            // as on every other backend; only a running server refusing the database is an error here.
            if created.status != 0, await Self.opens(TestServerURL.mariadb) {
                throw IdentityStorageError(.unavailable, "creating database idstore_\(name): \(created.output)")
            }
            return server.withPassword
        case .redis: return Self.adding("key_prefix=idstore-\(name):", to: TestServerURL.redis)
        case .redisCluster: return Self.adding("key_prefix=idstore-\(name):", to: TestServerURL.redisCluster)
        }
    }

    /// Whether `url`'s server answers: under `CI=true` a missing one is a failure, otherwise the test says it did not
    /// run. Embedded stores always answer. Asked holding the server's gate shared, so that a fault test restarting
    /// the server or failing over the cluster meanwhile is not taken for a missing server; call it outside the gate.
    public static func answers(_ url: String, _ test: String = #function) async -> Bool {
        guard ServerGate.of(store: url) != nil else { return true }
        let failure = await ServerGate.sharing(store: url) { await openingError(url) }
        if let error = failure {
            if ServerAvailability<Int>.isCI {
                Issue.record("\(test): \(StoreURL.redacting(url)) does not answer (\(error)); CI must start it with Scripts/services.sh start")
            } else {
                print("\(test) not run on \(StoreURL.redacting(url)): it does not answer; start it with Scripts/services.sh start")
            }
            return false
        }
        return true
    }

    /// Whether `url` opens now (without migrating), holding its server's gate shared; says nothing either way.
    static func opens(_ url: String) async -> Bool {
        await ServerGate.sharing(store: url) { await openingError(url) } == nil
    }

    /// The error opening `url` (without migrating: a test may want to see its private store's first migrations
    /// itself) throws; nil when it opens.
    private static func openingError(_ url: String) async -> (any Error)? {
        do {
            await (try await StoreOpener.builtIn.open(url: url, options: StoreOpenOptions(migrate: false))).close()
            return nil
        } catch {
            return error
        }
    }

    private static func adding(_ parameter: String, to url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + parameter
    }
}
