import Foundation
import IdentityStorage
import IdentityStorageMariaDB
import IdentityStoragePostgres
import IdentityStorageSQLite
import ServerTestSupport
import Synchronization
import Testing

/// Cancelled callers on real backends: a long read stopped midway frees its connection for the next caller, and
/// one-time grants taken by callers cancelled at random moments are never lost unreported.
@Suite("Cancellation on every backend")
struct CancellationTests {
    /// A statement that runs for 600 s or more, per SQL backend.
    static func longStatement(_ backend: TestBackend) -> String? {
        switch backend {
        case .postgres: "SELECT pg_sleep(600)"
        case .mariadb: "SELECT SLEEP(600)"
        case .sqlite: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000000) SELECT count(*) FROM c"
        default: nil
        }
    }

    @Test(arguments: [TestBackend.sqlite, .postgres, .mariadb])
    func aLongReadCancelledMidwayFreesItsConnection(_ backend: TestBackend) async throws {
        // One connection (SQLite: one reader, no inline reads), so the next call needs the very connection the long
        // read holds.
        let parameters = backend == .sqlite ? ["readers=1", "inline_bound=off"] : ["pool_size=1"]
        guard let observed = try await ObservedStore.open(backend, "obs_cancel", parameters: parameters) else { return }
        try await ServerGate.sharing(store: observed.url) {
            let read: @Sendable (String) async throws -> Int = { sql in
                switch observed.store.backend {
                case let sqlite as SQLiteIdentityStorage: try await sqlite.readRaw(sql)
                case let postgres as PostgresIdentityStorage: try await postgres.readRaw(sql)
                case let mariadb as MariaDBIdentityStorage: try await mariadb.readRaw(sql)
                default: throw IdentityStorageError(.unsupported, "not an SQL backend")
                }
            }
            let long = Task { try await read(Self.longStatement(backend)!) }
            try await Task.sleep(for: .milliseconds(500))
            let cancelled = ContinuousClock.now
            long.cancel()
            await #expect(throws: CancellationError.self) { _ = try await long.value }
            // The statement runs for 600 s or more: both of these coming back well within that shows it was stopped.
            // Not a speed: the cancel opens a connection of its own (PQcancel, KILL QUERY), which took 75 s once on a
            // machine at load 20 to 50 with the concurrent-run tests on the same server.
            #expect(ContinuousClock.now - cancelled < .seconds(300), "\(backend): the cancelled caller waited for its statement")
            #expect(try await read("SELECT 1") == 1)
            #expect(ContinuousClock.now - cancelled < .seconds(300), "\(backend): the next caller waited for the cancelled statement")
            await observed.store.close()
        }
    }

    @Test(arguments: TestBackend.allCases)
    func grantsTakenByCallersCancelledAtRandomAreNeverLostUnreported(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_take") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            let keys = (0..<200).map { "\(uniqueName("take-"))-\($0)" }
            for key in keys { try await stores.grants.storeGrant(observedGrant(key)) }
            let winners = Shared<[String: Int]>([:])
            let unexpected = Shared<[String]>([])
            await withTaskGroup(of: Void.self) { group in
                for key in keys {
                    for _ in 0..<4 {
                        let caller = Task {
                            do {
                                if try await stores.grants.takeGrant(forKey: key) != nil { winners.update { $0[key, default: 0] += 1 } }
                            } catch is CancellationError {
                            } catch {
                                unexpected.update { $0.append("\(error)") }
                            }
                        }
                        group.addTask {
                            try? await Task.sleep(for: .microseconds(Int.random(in: 0...3_000)))
                            if Bool.random() { caller.cancel() }
                            await caller.value
                        }
                    }
                }
            }
            #expect(unexpected.current.isEmpty, "\(backend): \(unexpected.current.prefix(3))")
            let won = winners.current
            #expect(won.values.allSatisfy { $0 == 1 }, "\(backend): a grant was taken twice")
            var lost: [String] = []
            for key in keys where won[key] == nil {
                if try await stores.grants.grant(forKey: key) == nil { lost.append(key) }
            }
            #expect(lost.isEmpty, "\(backend): grants gone from the store without a caller getting them: \(lost.prefix(3))")
            print("CancellationTests: \(backend): \(won.count) of \(keys.count) grants taken, the rest left in the store by cancelled callers")
            await observed.store.close()
        }
    }
}
