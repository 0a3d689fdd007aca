import Foundation
import IdentityStorage
import IdentityStorageConformance
@testable import IdentityStoragePostgres
import IdentityStorageSQL
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import Synchronization
import ServerTestSupport
import Testing

/// The suite on one shared storage over the test server (opened once per test process, as a
/// deployment would), `makeStores(clock:)` per case.
struct PostgresHarness: ConformanceHarness {
    var backendName: String { "postgres" }
    /// The suite's own schema, which no other test writes to.
    var database: ConformanceDatabase { .named("postgres schema idstore_conformance") }
    /// The storage this case's stores come from (the shared one).
    private let storage = Slot<PostgresIdentityStorage>()

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        let shared = try await SharedPostgres.shared.storage()
        storage.set(shared)
        return shared.makeStores(clock: clock)
    }

    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        storage.current
    }
}

/// The test server: `IDSTORE_TEST_POSTGRES_URL`, default the one `Scripts/services.sh start postgres` runs.
enum PostgresTestServer {
    static let defaultURL = "postgres://idstore:idstore@127.0.0.1:25432/idstore"

    static var url: String { ProcessInfo.processInfo.environment["IDSTORE_TEST_POSTGRES_URL"] ?? defaultURL }

    /// The configuration of the test URL (schema from the URL, `public` by default).
    static func configuration() throws -> PostgresIdentityStorage.Configuration {
        try PostgresIdentityStorage.Configuration(url: StoreURL(parsing: url))
    }

    static var isCI: Bool { ServerAvailability<PostgresIdentityStorage.Configuration>.isCI }

    /// Connects once per process to find out whether the server is there.
    static let availability = ServerAvailability<PostgresIdentityStorage.Configuration>(
        server: "PostgreSQL", service: "postgres", target: "PostgresTests",
        describe: { (try? configuration().description) ?? "the test URL" },
        open: {
            var configuration = try PostgresTestServer.configuration()
            configuration.poolSize = 1
            configuration.connectTimeout = .seconds(3)
            let storage = try await PostgresIdentityStorage.open(configuration)
            await storage.close()
            return try PostgresTestServer.configuration()
        })

    /// The configuration when the server answers; otherwise records an issue under `CI=true`, or prints one
    /// line saying the test was not run, and returns nil.
    static func available(_ test: String = #function) async -> PostgresIdentityStorage.Configuration? {
        await availability.available(test)
    }
}

/// One storage over the test server for the whole test process.
actor SharedPostgres {
    static let shared = SharedPostgres()
    private var opened: Task<PostgresIdentityStorage, any Error>?

    func storage() async throws -> PostgresIdentityStorage {
        if let opened { return try await opened.value }
        // One storage for every caller: the actor is re-entered while it opens. The suite gets a schema of
        // its own, emptied at the start of each test process, so rows a failed earlier run left behind
        // (a corrupted client, expired grants) cannot disturb this run's cases.
        let task = Task {
            var configuration = try PostgresTestServer.configuration()
            configuration.schema = "idstore_conformance"
            let storage = try await PostgresIdentityStorage.open(configuration)
            try await storage.executeRaw("DROP SCHEMA idstore_conformance CASCADE")
            await storage.close()
            return try await PostgresIdentityStorage.open(configuration)
        }
        opened = task
        return try await task.value
    }
}


func withSharedServer<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await ServerGate.postgres.shared(body)
}

func withExclusiveServer<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await ServerGate.postgres.exclusive(body)
}

/// Records an issue unless `body` throws an ``IdentityStorageError`` with `code`; returns the error.
@discardableResult
func expectCode(_ code: IdentityStorageError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                _ body: () async throws -> Void) async -> IdentityStorageError? {
    do {
        try await body()
        Issue.record("expected error '\(code)', got success", sourceLocation: sourceLocation)
    } catch let error as IdentityStorageError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected IdentityStorageError '\(code)', got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A storage on a schema of its own (dropped by `close`), for tests that need private tables.
struct PrivateSchemaStorage {
    let storage: PostgresIdentityStorage
    let schema: String

    static func open(_ base: PostgresIdentityStorage.Configuration, prefix: String = "idstore_test",
                     configure: (inout PostgresIdentityStorage.Configuration) -> Void = { _ in }) async throws -> PrivateSchemaStorage {
        var configuration = base
        configuration.schema = uniqueName(prefix)
        configure(&configuration)
        return PrivateSchemaStorage(storage: try await PostgresIdentityStorage.open(configuration), schema: configuration.schema)
    }

    func close() async throws {
        try await storage.executeRaw("DROP SCHEMA \"\(schema)\" CASCADE")
        await storage.close()
    }
}

extension PostgresIdentityStorage {
    /// Stores the bytes C3 28 (not UTF-8) in a text column of one row. Invalid UTF-8 cannot enter a `text` column
    /// through any input path of a UTF8 database (the server validates every string): this briefly declares a
    /// binary-coercible cast from `bytea` to `text` inside its own transaction (dropped before commit, never seen by
    /// other sessions), which needs a superuser, as the test server's user is. The shipped suite never does this.
    func writeInvalidUTF8(table: String, column: String, keyColumn: String, key: String) async throws {
        let lock = PostgresSchema.lockKey("corrupt", schema: database.schema)
        try await database.run { connection in
            try connection.transaction {
                // Serialises corruptions: two sessions creating the same cast would collide in pg_cast.
                try connection.run("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(lock)])
                try connection.executeScript("CREATE CAST (bytea AS text) WITHOUT FUNCTION")
                try connection.run("UPDATE \(table) SET \(column) = '\\xc328'::bytea::text WHERE \(keyColumn)::text = $1", [.text(key)], cached: false)
                try connection.executeScript("DROP CAST (bytea AS text)")
            }
        }
    }
}
