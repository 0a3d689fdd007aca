import Foundation
import IdentityStorage
import IdentityStorageConformance
@_spi(Testing) import IdentityStorageSQLite

/// The suite on one shared SQLite file (opened once per test run, as a deployment would) or on a
/// private in-memory database per case.
struct SQLiteHarness: ConformanceHarness {
    enum Kind: Sendable { case file, memory }

    let kind: Kind
    var backendName: String { kind == .file ? "sqlite-file" : "sqlite-memory" }

    func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        switch kind {
        case .file: return try await SharedSQLiteFile.shared.storage().makeStores(clock: clock)
        case .memory: return try await SQLiteIdentityStorage.open(.init(path: ":memory:")).makeStores(clock: clock)
        }
    }

    func release(_ stores: IdentityStores) async throws {
        if kind == .memory { await (try await storage(of: stores)).close() }
    }

    func corrupt(_ corruption: StoredDataCorruption, in stores: IdentityStores) async throws {
        try await storage(of: stores).corrupt(corruption)
    }

    private func storage(of stores: IdentityStores) async throws -> SQLiteIdentityStorage {
        guard let storage = SQLiteIdentityStorage.owner(of: stores) else { throw ConformanceFailure("stores are not SQLite stores") }
        return storage
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
