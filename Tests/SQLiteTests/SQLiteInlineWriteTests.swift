import Foundation
import IdentityStorage
import IdentityStorageSQLite
import Testing

/// Writes on their callers' threads: taken when the writer is free, run once even when abandoned at the bound, and
/// never running a WAL checkpoint there.
@Suite("SQLite inline writes")
struct SQLiteInlineWriteTests {
    @Test func aWriteRunsOnItsCallersThreadWhenTheWriterIsFreeUnlessInlineCallsAreOff() async throws {
        let path = try TemporaryDirectory().file("inline-write.db")
        let inline = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)")))
        // The writer's thread may still be finishing its last call (opening the database) as the first write comes.
        var inlineWrites = 0
        for _ in 0..<10 where !(try await inline.writesOnAPoolThread()) { inlineWrites += 1 }
        #expect(inlineWrites > 0)
        await inline.close()
        let pooled = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)?inline_bound=off")))
        #expect(try await pooled.writesOnAPoolThread())
        await pooled.close()
    }

    @Test func aWriteLongerThanTheBoundRunsOnceOnTheWritersThread() async throws {
        let storage = try await SQLiteIdentityStorage.open(.init(path: try TemporaryDirectory().file("long-write.db")))
        try await storage.executeRaw("CREATE TABLE scratch (x INTEGER)")
        // Some 100 ms of work, 100 times the default bound: rolled back inline, then run again from the start.
        let database = storage.database
        let onTheWritersThread = try await database.write { connection in
            try connection.run("INSERT INTO scratch WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT x FROM c")
            return database.ownsCurrentThread
        }
        #expect(onTheWritersThread)
        #expect(try await storage.readRaw("SELECT x FROM scratch") == 300_000)
        await storage.close()
    }

    /// With a checkpoint due every 8 WAL pages, the WAL file stays a few pages long, though every commit was made
    /// inline, where checkpoints are not run: each was left to the writer's thread, and ran there.
    @Test func checkpointsDueAfterInlineCommitsRunOnTheWritersThread() async throws {
        let path = try TemporaryDirectory().file("checkpoints.db")
        let storage = try await SQLiteIdentityStorage.open(.init(url: StoreURL(parsing: "sqlite:\(path)?wal_autocheckpoint=8")))
        let grants = storage.makeStores().grants
        for index in 0..<400 {
            try await grants.storeGrant(PersistedGrant(key: "k\(index)", type: "t", clientId: "c", creationTime: Date(),
                                                       data: String(repeating: "x", count: 3000)))
        }
        let walBytes = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        // Without checkpoints: some 800 frames of 4 KiB.
        #expect(walBytes < 1 << 20, "WAL of \(walBytes) bytes")
        await storage.close()
    }
}
