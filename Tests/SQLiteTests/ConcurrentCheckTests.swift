import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageOpener
import IdentityStorageSQLite
@testable import IdentityStorageTool
import ServerTestSupport
import Testing

/// Several `idstore check` processes on one store at once, and a run after one killed halfway: every case passes.
/// Each backend gets a store of its own (a schema, a database, a key prefix), so that the other test suites running
/// meanwhile, which keep apart by an in-process gate only, are not in the way.
@Suite("Concurrent idstore check runs", .serialized)
struct ConcurrentCheckTests {
    static let everyCase = "\(ConformanceSuite.cases.count) passed, 0 failed, 0 skipped"

    @Test(arguments: [TestBackend.sqlite, .postgres, .mariadb, .redis, .redisCluster])
    func fourRunsAtOnceThenOneAfterAKill(_ backend: TestBackend) async throws {
        let scratch = try Scratch()
        let url = try backend.privateStore("concurrent", in: scratch)
        guard await TestBackend.answers(url) else { return }
        // The fault tests of the other suites stop and restart these servers: hold their gate shared meanwhile.
        let runs = { () async throws -> (together: [Idstore.Result], after: Idstore.Result) in
            let directory = try TemporaryDirectory()
            let together = try Idstore.runTogether(Array(repeating: ["check", "--quiet", "--store", url], count: 4), in: directory)
            // One run killed halfway leaves what it was doing (a lease, damaged rows, half-cleaned data); the next passes.
            let killed = try Idstore.start(["check", "--quiet", "--store", url], in: directory)
            try await Task.sleep(for: .milliseconds(Int.random(in: 2_000...5_000)))
            kill(killed.processIdentifier, SIGKILL)
            killed.waitUntilExit()
            return (together, try Idstore.run(["check", "--quiet", "--store", url], in: directory))
        }
        let (together, after) = try await ServerGate.sharing(store: url, runs)
        for run in together {
            #expect(run.status == 0 && run.stdout.contains(Self.everyCase), "\(backend): \(run)")
        }
        #expect(after.status == 0 && after.stdout.contains(Self.everyCase), "\(backend), after a killed run: \(after)")
    }

    @Test func aDamagedClientLeftByADeadRunIsRepairedByTheNext() async throws {
        let url = "sqlite:\(try TemporaryDirectory().file("leftover.db"))"
        let store = try await StoreOpener.builtIn.open(url: url)
        let stores = store.makeStores()
        // What a run killed in the middle of a corrupted-client case leaves: the damage in the journal, and done.
        try await stores.clients.saveClient(Client(clientId: "leftover.bad"))
        try await CheckLeases(stores: stores).record(.clientRefreshTokenUsage(clientId: "leftover.bad"))
        try await (store.backend as! any StoredDataCorrupting).corrupt(.clientRefreshTokenUsage(clientId: "leftover.bad"))
        await #expect(throws: IdentityStorageError.self) { try await stores.clients.listClients(after: nil, limit: 10) }
        await store.close()
        let run = await ToolRun.run(["check", "--quiet", "--filter", "clients.list.", "--store", url], drivers: .builtIn)
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases(withPrefix: "clients.list.").count), "\(run)")
    }
}
