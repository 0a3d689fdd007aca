import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageSQL
import IdentityStorageSQLite
import ServerTestSupport
import Testing

/// The conformance suite on an SQL adapter written with the SQL kit's public API only (``KitSQLiteDatabase``): the
/// stores an outside adapter gets from `IdentityStores.sql` keep every contract the built-in adapters keep.
@Suite("SQL kit adapter")
struct SQLKitConformanceTests {
    @Test(arguments: ConformanceSuite.cases)
    func conformance(_ testCase: ConformanceCase) async throws {
        let harness = KitSQLiteHarness()
        switch await ConformanceSuite.run(testCase, on: harness) {
        case .passed: break
        case .failed(let message, _): Issue.record("\(testCase.name) failed on \(harness.backendName): \(message)")
        // The corrupted-data cases need a corrupter (the tool's built-in ones are not public); every other case runs.
        case .skipped where testCase.damagesStoredData: break
        case .skipped(let reason): Issue.record("\(testCase.name) skipped on \(harness.backendName): \(reason)")
        }
    }
}

/// A database file of its own per case. Its schema is the built-in SQLite adapter's (opened once, through its public
/// API, to migrate the file): an outside adapter brings its own migrations, which are not what this test is about.
struct KitSQLiteHarness: ConformanceHarness {
    private let opened = Slot<(database: KitSQLiteDatabase, directory: URL)>()
    var backendName: String { "sql-kit-sqlite" }
    var database: ConformanceDatabase { .ownedByTheCase }

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        let database: KitSQLiteDatabase
        if let current = opened.current {
            database = current.database
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-sql-kit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("kit.db").path
            await (try await SQLiteIdentityStorage.open(.init(path: path))).close()
            database = KitSQLiteDatabase(path: path)
            opened.set((database, directory))
        }
        return .sql(database, clock: clock, messageSlidingExpiration: 3600, capabilities: [.injectableClock, .durable, .refreshTokenFamilies])
    }

    func release(_ stores: IdentityStores) async throws {
        guard let (database, directory) = opened.take() else { return }
        await database.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
