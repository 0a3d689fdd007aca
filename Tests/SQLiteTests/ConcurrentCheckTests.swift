import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageOpener
import IdentityStorageSQLite
@testable import IdentityStorageTool
import ServerTestSupport
import Synchronization
import Testing
import IdentityStorageToolBuiltIns

/// Several `idstore check` processes on one store at once, and a run after one killed halfway: every case passes.
/// Each backend gets a store of its own (a schema, a database, a key prefix), so that the other test suites running
/// meanwhile, which keep apart by an in-process gate only, are not in the way.
@Suite("Concurrent idstore check runs", .serialized)
struct ConcurrentCheckTests {
    static let everyCase = "\(ConformanceSuite.cases.count) passed, 0 failed, 0 skipped"

    @Test(arguments: [TestBackend.sqlite, .postgres, .mariadb, .redis, .redisCluster])
    func fourRunsAtOnceThenOneAfterAKill(_ backend: TestBackend) async throws {
        let scratch = try Scratch()
        let url = try await backend.privateStore("concurrent", in: scratch)
        guard await TestBackend.answers(url) else { return }
        // The fault tests of the other suites stop and restart these servers: hold their gate shared meanwhile.
        let runs = { () async throws -> (together: [Idstore.Result], after: Idstore.Result) in
            let directory = try TemporaryDirectory()
            let together = try await Idstore.runTogether(Array(repeating: ["check", "--quiet", "--store", url], count: 4), in: directory)
            // One run killed halfway leaves what it was doing (a lease, damaged rows, half-cleaned data); the next passes.
            let killed = try await offTheCooperativePool { try Idstore.start(["check", "--quiet", "--store", url], in: directory) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 2_000...5_000)))
            killed.signal(SIGKILL)
            try await killed.exit()
            return (together, try await Idstore.run(["check", "--quiet", "--store", url], in: directory))
        }
        let (together, after) = try await ServerGate.sharing(store: url, runs)
        for run in together {
            #expect(run.status == 0 && run.stdout.contains(Self.everyCase), "\(backend): \(run)")
        }
        #expect(after.status == 0 && after.stdout.contains(Self.everyCase), "\(backend), after a killed run: \(after)")
    }

    @Test func aDamagedClientLeftByADeadRunIsRepairedByTheNext() async throws {
        let url = "sqlite:\(try TemporaryDirectory().file("leftover.db"))"
        let deployment = try await StoreOpener.builtIn.openDeployment(DeploymentURLs(store: url))
        let stores = deployment.makeStores()
        // What a run killed in the middle of a corrupted-client case leaves: the damage in the journal, and done.
        try await stores.clients.saveClient(Client(clientId: "leftover.bad"))
        try await CheckLeases(deployment: deployment).record(.clientRefreshTokenUsage(clientId: "leftover.bad"))
        try await (deployment.stores[0].backend as! any StoredDataCorrupting).corrupt(.clientRefreshTokenUsage(clientId: "leftover.bad"))
        await #expect(throws: IdentityStorageError.self) { try await stores.clients.listClients(after: nil, limit: 10) }
        await deployment.close()
        let run = await ToolRun.run(["check", "--quiet", "--filter", "clients.list.", "--store", url], drivers: .builtIn)
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases(withPrefix: "clients.list.").count), "\(run)")
    }

    @Test func runsSharingTheOperationalStoreButNotTheCacheExcludeEachOther() async throws {
        let url = "sqlite:\(try TemporaryDirectory().file("shared-operational.db"))"
        let first = try await StoreOpener.builtIn.openDeployment(DeploymentURLs(store: url))
        let second = try await StoreOpener.builtIn.openDeployment(DeploymentURLs(store: url, distributedCache: "memory:"))
        let (firstLeases, secondLeases) = (CheckLeases(deployment: first), CheckLeases(deployment: second))
        let secondEntered = EnteredFlag()
        try await firstLeases.holding(.housekeeping) {
            let waiting = Task { try await secondLeases.holding(.housekeeping) { secondEntered.set() } }
            try await Task.sleep(for: .milliseconds(500))
            #expect(!secondEntered.isSet, "the second run took the housekeeping lease while the first held it")
            _ = waiting
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !secondEntered.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(secondEntered.isSet, "the second run got the lease once the first released it")
        await first.close()
        await second.close()
    }
}

/// Whether a task got somewhere, set once.
private final class EnteredFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
