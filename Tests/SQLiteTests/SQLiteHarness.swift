import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageSQLite
import IdentityStorageTool
import ServerTestSupport

/// The suite on one shared SQLite file (opened once per test run, as a deployment would) or on a
/// private in-memory database per case. Made once per case.
struct SQLiteHarness: ConformanceHarness {
    enum Kind: Sendable { case file, memory }

    let kind: Kind
    /// The storage this case's stores come from.
    private let opened = Slot<SQLiteIdentityStorage>()
    var backendName: String { kind == .file ? "sqlite-file" : "sqlite-memory" }

    init(kind: Kind) {
        self.kind = kind
    }

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        let storage = switch kind {
        case .file: try await SharedSQLiteFile.shared.storage()
        case .memory: try await SQLiteIdentityStorage.open(.init(path: ":memory:"))
        }
        opened.set(storage)
        return storage.makeStores(clock: clock)
    }

    func release(_ stores: IdentityStores) async throws {
        guard kind == .memory, let storage = opened.take() else { return }
        await storage.close()
    }

    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        opened.current
    }
}

/// One database file for the whole test process.
actor SharedSQLiteFile {
    static let shared = SharedSQLiteFile()
    private var opened: SQLiteIdentityStorage?

    func storage() async throws -> SQLiteIdentityStorage {
        if let opened { return opened }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storage = try await SQLiteIdentityStorage.open(.init(path: directory.appendingPathComponent("conformance.db").path))
        opened = storage
        return storage
    }
}
