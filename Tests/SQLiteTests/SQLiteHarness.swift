import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageSQLite
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import ServerTestSupport

/// The suite on one shared SQLite file (opened once per test run, as a deployment would; a case that needs the
/// database to itself gets a file of its own) or on a private in-memory database per case. Made once per case.
struct SQLiteHarness: ConformanceHarness {
    enum Kind: Sendable { case file, memory }

    let kind: Kind
    /// Whether this case's database is its own, closed when the case ends.
    private let isPrivate: Bool
    /// The storage this case's stores come from.
    private let opened = Slot<SQLiteIdentityStorage>()
    var backendName: String { kind == .file ? "sqlite-file" : "sqlite-memory" }
    var database: ConformanceDatabase { isPrivate ? .ownedByTheCase : .named("sqlite shared conformance file") }

    init(kind: Kind, testCase: ConformanceCase) {
        self.kind = kind
        isPrivate = kind == .memory || testCase.needsDatabaseToItself
    }

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        // A case may ask for stores twice: they come from one storage.
        if let storage = opened.current { return storage.makeStores(clock: clock) }
        let storage = switch (kind, isPrivate) {
        case (.memory, _): try await SQLiteIdentityStorage.open(.init(path: ":memory:"))
        case (.file, true): try await SQLiteIdentityStorage.open(.init(path: try TemporaryDirectory().file("private.db")))
        case (.file, false): try await SharedSQLiteFile.shared.storage()
        }
        opened.set(storage)
        return storage.makeStores(clock: clock)
    }

    func release(_ stores: IdentityStores) async throws {
        guard isPrivate, let storage = opened.take() else { return }
        await storage.close()
    }

    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        opened.current
    }
}

/// One database file for the whole test process.
actor SharedSQLiteFile {
    static let shared = SharedSQLiteFile()
    private var opened: Task<SQLiteIdentityStorage, any Error>?

    func storage() async throws -> SQLiteIdentityStorage {
        if let opened { return try await opened.value }
        // One storage for every caller: the actor is re-entered while it opens.
        let task = Task {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try await SQLiteIdentityStorage.open(.init(path: directory.appendingPathComponent("conformance.db").path))
        }
        opened = task
        return try await task.value
    }
}
