import Foundation
import ServerTestSupport
import IdentityStorage
import IdentityStorageSQLite
import Testing

/// Behaviour specific to the SQLite adapter: schema, plans, files on disk.
@Suite("SQLite adapter")
struct SQLiteAdapterTests {
    @Test func migrationIsIdempotentAndVersioned() async throws {
        let path = try TemporaryDirectory().file("migrate.db")
        for _ in 0..<3 {
            let storage = try await SQLiteIdentityStorage.open(.init(path: path))
            #expect(try await storage.schemaVersion() == 3)
            await storage.close()
        }
    }

    @Test func newerSchemaIsRefused() async throws {
        let path = try TemporaryDirectory().file("newer.db")
        let storage = try await SQLiteIdentityStorage.open(.init(path: path))
        try await storage.executeRaw("INSERT INTO identity_storage_migrations(version, applied_at) VALUES (99, 0)")
        await storage.close()
        await expectCode(.schemaMismatch) { _ = try await SQLiteIdentityStorage.open(.init(path: path)) }
    }

    @Test func concurrentOpensOfOneNewFileAllSucceed() async throws {
        let path = try TemporaryDirectory().file("concurrent.db")
        let versions = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let storage = try await SQLiteIdentityStorage.open(.init(path: path))
                    let version = try await storage.schemaVersion()
                    await storage.close()
                    return version
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions == [3, 3, 3, 3])
        let storage = try await SQLiteIdentityStorage.open(.init(path: path))
        try await storage.executeRaw("CREATE TEMP TABLE check_count AS SELECT count(*) AS n FROM identity_storage_migrations")
        await storage.close()
    }

    @Test func everyFilterAndCleanupQueryUsesAnIndex() async throws {
        let storage = try await SQLiteIdentityStorage.open(.init(path: try TemporaryDirectory().file("plans.db")))
        for statement in try SQLiteIdentityStorage.indexedStatements() {
            let plan = try await storage.queryPlan(statement.sql, statement.arguments)
            // A plan step "SCAN <table>" without an index reads the whole table; json_each scans its argument only.
            let fullScans = plan.filter { $0.hasPrefix("SCAN ") && !$0.contains("USING") && !$0.contains("json_each") }
            #expect(fullScans.isEmpty, "\(statement.name): \(plan.joined(separator: " | "))")
        }
        await storage.close()
    }

    @Test func aFullDatabaseGivesATypedErrorAndLosesNothing() async throws {
        let storage = try await SQLiteIdentityStorage.open(.init(path: try TemporaryDirectory().file("full.db")))
        let stores = storage.makeStores()
        let kept = PersistedGrant(key: "kept", type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "small")
        try await stores.grants.storeGrant(kept)
        // max_page_count makes SQLite report SQLITE_FULL exactly as a full disk does.
        try await storage.executeRaw("PRAGMA max_page_count = 40")
        let large = PersistedGrant(key: "large", type: "t", clientId: "c", creationTime: Date(), data: String(repeating: "x", count: 1_000_000))
        do {
            try await stores.grants.storeGrant(large)
            Issue.record("storing past the size limit succeeded")
        } catch let error as IdentityStorageError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("full"))
        }
        #expect(try await stores.grants.grant(forKey: "kept") == kept)
        #expect(try await stores.grants.grant(forKey: "large") == nil)
        await storage.close()
    }

    @Test func aReadOnlyFileGivesATypedErrorAndLosesNothing() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("readonly.db")
        let grant = PersistedGrant(key: "kept", type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "d")
        do {
            let storage = try await SQLiteIdentityStorage.open(.init(path: path))
            try await storage.makeStores().grants.storeGrant(grant)
            try await storage.executeRaw("PRAGMA wal_checkpoint(TRUNCATE)")
            await storage.close()
        }
        try await directory.whileReadOnly(path) {
            // SQLite opens an unwritable file read-only (the schema is already there): reads work, writes fail typed.
            do {
                let storage = try await SQLiteIdentityStorage.open(.init(path: path))
                let stores = storage.makeStores()
                #expect(try await stores.grants.grant(forKey: "kept") == grant)
                var changed = grant
                changed.data = "changed"
                await expectCode(.permissionDenied) { try await stores.grants.storeGrant(changed) }
                await expectCode(.permissionDenied) { _ = try await stores.grants.removeGrant(forKey: "kept") }
                await storage.close()
            } catch let error as IdentityStorageError {
                #expect(error.code == .permissionDenied, "opening may also fail, but only as permissionDenied: \(error)")
            }
            // What doctor says of it: the file this process may not write.
            let doctor = try await Idstore.run(["doctor", "--store", "sqlite:\(path)"], in: directory)
            #expect(doctor.status == 1 && doctor.stdout.contains("WRONG file access: this process may not write \(path)"), "\(doctor)")
        }
        let storage = try await SQLiteIdentityStorage.open(.init(path: path))
        #expect(try await storage.makeStores().grants.grant(forKey: "kept") == grant)
        await storage.close()
    }

    @Test func aFileThatIsNotADatabaseIsReportedAsCorrupted() async throws {
        let path = try TemporaryDirectory().file("garbage.db")
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        await expectCode(.corruptedData) { _ = try await SQLiteIdentityStorage.open(.init(path: path)) }
    }

    @Test func clientLoadIsOneStatement() async throws {
        // The client and every child collection come back from one row: no query per collection.
        let storage = try await SQLiteIdentityStorage.open(.init(path: ":memory:"))
        let plan = try await storage.queryPlan("SELECT document FROM clients WHERE client_id = ?", ["c"])
        #expect(plan.count == 1 && plan[0].contains("PRIMARY KEY"), "\(plan)")
        await storage.close()
    }
}

/// A fresh directory under the system's temporary directory.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Runs `body` while `path` is unwritable even for root (where chmod is not enough: `chattr +i`), then makes it
    /// writable again, whether `body` throws or not.
    func whileReadOnly<T>(_ path: String, _ body: () async throws -> T) async throws -> T {
        try await makeReadOnly(path)
        do {
            let result = try await body()
            try await makeWritable(path)
            return result
        } catch {
            try? await makeWritable(path)
            throw error
        }
    }

    private func makeReadOnly(_ path: String) async throws {
        if getuid() == 0 {
            try await run("/usr/bin/chattr", ["+i", path])
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: url.path)
        }
    }

    private func makeWritable(_ path: String) async throws {
        if getuid() == 0 {
            try await run("/usr/bin/chattr", ["-i", path])
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        }
    }

    private func run(_ tool: String, _ arguments: [String]) async throws {
        let process = try await ChildProcess.start(URL(fileURLWithPath: tool), arguments, output: .inherit, error: .inherit)
        try await process.exit()
        guard process.terminationStatus == 0 else {
            throw IdentityStorageError(.unavailable, "\(tool) \(arguments.joined(separator: " ")) failed")
        }
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
