import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMariaDB
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import Synchronization
import ServerTestSupport
import Testing

/// The suite on one shared storage over the test server (opened once per test process, as a
/// deployment would), `makeStores(clock:)` per case.
struct MariaDBHarness: ConformanceHarness {
    var backendName: String { "mariadb" }
    var database: ConformanceDatabase { .named("mariadb conformance database") }
    /// The storage this case's stores come from (the shared one).
    private let storage = Slot<MariaDBIdentityStorage>()

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        let shared = try await SharedMariaDB.shared.storage()
        storage.set(shared)
        return shared.makeStores(clock: clock)
    }

    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        storage.current
    }
}

/// The test server: `IDSTORE_TEST_MARIADB_URL`, default the one `Scripts/services.sh start mariadb` runs.
enum MariaDBTestServer {
    static let defaultURL = "mariadb://idstore:idstore@127.0.0.1:23306/idstore"

    static var url: String { ProcessInfo.processInfo.environment["IDSTORE_TEST_MARIADB_URL"] ?? defaultURL }

    static var isCI: Bool { ServerAvailability<MariaDBIdentityStorage.Configuration>.isCI }

    /// The configuration of the test URL, optionally on another database of the same server.
    static func configuration(database: String? = nil) throws -> MariaDBIdentityStorage.Configuration {
        var configuration = try MariaDBIdentityStorage.Configuration(url: StoreURL(parsing: url))
        if let database { configuration.database = database }
        return configuration
    }

    /// Connects once per process to find out whether the server is there.
    static let availability = ServerAvailability<MariaDBIdentityStorage.Configuration>(
        server: "MariaDB", service: "mariadb", target: "MariaDBTests",
        describe: { (try? configuration().description) ?? "the test URL" },
        open: {
            var configuration = try MariaDBTestServer.configuration()
            configuration.poolSize = 1
            configuration.connectTimeout = .seconds(3)
            let storage = try await MariaDBIdentityStorage.open(configuration)
            await storage.close()
            return try MariaDBTestServer.configuration()
        })

    /// The configuration when the server answers; otherwise records an issue under `CI=true`, or prints one
    /// line saying the test was not run, and returns nil.
    static func available(_ test: String = #function) async -> MariaDBIdentityStorage.Configuration? {
        await availability.available(test)
    }

    /// Creates an empty database on the test server for one test, runs `body` with its configuration,
    /// and drops it again.
    static func withScratchDatabase<T>(_ base: MariaDBIdentityStorage.Configuration, _ name: String,
                                       _ body: (MariaDBIdentityStorage.Configuration) async throws -> T) async throws -> T {
        let database = "idstore_\(name)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await MariaDBIdentityStorage.open(base)
        _ = try await admin.queryRaw("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
        var configuration = base
        configuration.database = database
        do {
            let result = try await body(configuration)
            _ = try await admin.queryRaw("DROP DATABASE `\(database)`")
            await admin.close()
            return result
        } catch {
            _ = try? await admin.queryRaw("DROP DATABASE `\(database)`")
            await admin.close()
            throw error
        }
    }
}

/// One storage over the test server for the whole test process, on a database of its own
/// (`idstore_conformance`, recreated at the start of each test process) so rows a failed earlier run
/// left behind cannot disturb this run's cases.
actor SharedMariaDB {
    static let shared = SharedMariaDB()
    private var opened: Task<MariaDBIdentityStorage, any Error>?

    func storage() async throws -> MariaDBIdentityStorage {
        if let opened { return try await opened.value }
        // One storage for every caller: the actor is re-entered while it opens.
        let task = Task {
            let base = try MariaDBTestServer.configuration()
            let admin = try await MariaDBIdentityStorage.open(base)
            _ = try await admin.queryRaw("DROP DATABASE IF EXISTS idstore_conformance")
            _ = try await admin.queryRaw("CREATE DATABASE idstore_conformance CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
            await admin.close()
            return try await MariaDBIdentityStorage.open(try MariaDBTestServer.configuration(database: "idstore_conformance"))
        }
        opened = task
        return try await task.value
    }
}


/// Records an issue unless `body` throws an ``IdentityStorageError`` with `code`.
func expectCode(_ code: IdentityStorageError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected error '\(code)', got success", sourceLocation: sourceLocation)
    } catch let error as IdentityStorageError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected IdentityStorageError '\(code)', got \(error)", sourceLocation: sourceLocation)
    }
}
