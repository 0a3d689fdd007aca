import Foundation
import IdentityStorage
import IdentityStorageMariaDB
import Synchronization
import ServerTestSupport
import Testing

/// Connection loss under load: every client connection killed mid-workload, and the server restarted.
/// Calls in flight fail as `unavailable` (never another error, never a hang), the pool recovers on its own,
/// and every write that was acknowledged is still there afterwards. These tests take the server exclusively.
@Suite("MariaDB faults")
struct MariaDBFaultTests {
    @Test func killingEveryClientConnectionMidWorkload() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.exclusive {
            try await MariaDBTestServer.withScratchDatabase(base, "kill") { configuration in
                var configuration = configuration
                configuration.poolSize = 4
                let storage = try await MariaDBIdentityStorage.open(configuration)
                let admin = try await MariaDBIdentityStorage.open(base)
                let workload = Workload(stores: storage.makeStores())
                let running = workload.start(tasks: 8)
                var killed = 0
                for _ in 0..<6 {
                    try await Task.sleep(for: .milliseconds(150))
                    let ids = try await admin.queryRaw("""
                        SELECT ID FROM information_schema.PROCESSLIST
                        WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Daemon', 'Binlog Dump') AND USER <> 'system user'
                        """).compactMap { $0.first ?? nil }
                    for id in ids {
                        if (try? await admin.queryRaw("KILL CONNECTION \(id)")) != nil { killed += 1 }
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                let ledger = await workload.stop(running)
                print("MariaDB KILL test: \(killed) connections killed; \(ledger.summary)")
                #expect(killed > 0)
                #expect(ledger.unexpected.isEmpty, "errors other than unavailable: \(ledger.unexpected.prefix(5))")
                #expect(ledger.acknowledged.count > 50, "the workload made progress: \(ledger.summary)")
                try await workload.verify(ledger, with: storage.makeStores())
                await admin.close()
                await storage.close()
            }
        }
    }

    @Test func restartingTheServerMidWorkload() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        guard let recipe = ServerRecipe.forRestart("restart test") else { return }
        try await ServerGate.mariadb.exclusive {
            defer { recipe.ensureRunning() }
            try await MariaDBTestServer.withScratchDatabase(base, "restart") { configuration in
                var configuration = configuration
                configuration.poolSize = 4
                configuration.connectTimeout = .seconds(2)
                configuration.readTimeout = .seconds(10)
                let storage = try await MariaDBIdentityStorage.open(configuration)
                let workload = Workload(stores: storage.makeStores())

                // 1. A restart under load: calls in flight fail as unavailable; nothing acknowledged is lost.
                let running = workload.start(tasks: 8)
                try await Task.sleep(for: .milliseconds(400))
                let restarted = try await recipe.run("restart_mariadb")
                #expect(restarted, "restart_mariadb failed")
                try await Task.sleep(for: .milliseconds(1_000))
                let ledger = await workload.stop(running)
                print("MariaDB restart test (under load): \(ledger.summary)")
                #expect(ledger.unexpected.isEmpty, "errors other than unavailable: \(ledger.unexpected.prefix(5))")
                #expect(ledger.failures > 0, "some calls were in flight during the restart")
                #expect(ledger.successesAfterFailures > 0, "calls succeeded again after the restart")
                try await workload.verify(ledger, with: storage.makeStores())

                // 2. A restart while idle: the pooled connections are dead, yet the next calls all succeed
                //    (each connection notices the closed socket and reconnects before using it).
                let stores = storage.makeStores()
                let key = ledger.acknowledged.keys.first!
                #expect(try await recipe.run("restart_mariadb"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            let grant = try await stores.grants.grant(forKey: key)
                            #expect(grant != nil)
                        }
                    }
                    try await group.waitForAll()
                }
                await storage.close()
            }
        }
    }
}

/// A mixed write/read workload that records what the store acknowledged.
struct Workload: Sendable {
    let stores: IdentityStores
    let prefix = "w\(UInt32.random(in: 0...UInt32.max))."

    struct Ledger: Sendable {
        /// Grants whose store call returned successfully, with the data stored.
        var acknowledged: [String: String] = [:]
        /// Clients whose save returned successfully, with the name stored last.
        var clients: [String: String] = [:]
        var successes = 0
        var failures = 0
        /// Successful calls after the first failure: the pool recovered.
        var successesAfterFailures = 0
        var unexpected: [String] = []

        var summary: String {
            "\(successes) calls succeeded, \(failures) failed as unavailable, \(unexpected.count) failed otherwise; "
                + "\(acknowledged.count) grants and \(clients.count) clients acknowledged"
        }
    }

    final class Running: Sendable {
        let stop = Atomic<Bool>(false)
        let ledger = Mutex(Ledger())
        let tasks: Mutex<[Task<Void, Never>]> = Mutex([])
    }

    func start(tasks count: Int) -> Running {
        let running = Running()
        let tasks = (0..<count).map { index in
            Task { await loop(index, running) }
        }
        running.tasks.withLock { $0 = tasks }
        return running
    }

    func stop(_ running: Running) async -> Ledger {
        running.stop.store(true, ordering: .releasing)
        for task in running.tasks.withLock({ $0 }) { await task.value }
        return running.ledger.withLock { $0 }
    }

    private func loop(_ index: Int, _ running: Running) async {
        var iteration = 0
        while !running.stop.load(ordering: .acquiring) {
            iteration += 1
            let key = "\(prefix)g\(index)-\(iteration)"
            let data = "{\"n\":\(iteration),\"task\":\(index)}"
            await record(running) {
                try await stores.grants.storeGrant(PersistedGrant(key: key, type: "t", subjectId: "\(prefix)sub\(index)", clientId: "c",
                                                                  creationTime: Date().roundedToStoragePrecision, data: data))
                running.ledger.withLock { $0.acknowledged[key] = data }
            }
            if iteration % 3 == 0 {
                // A transaction: client upsert with its CORS origins.
                let clientId = "\(prefix)client\(index)"
                var client = Client(clientId: clientId)
                client.clientName = "name \(iteration)"
                client.allowedCorsOrigins = ["https://c\(index).example", "https://n\(iteration).example"]
                await record(running) {
                    try await stores.clients.saveClient(client)
                    running.ledger.withLock { $0.clients[clientId] = client.clientName }
                }
            }
            if iteration % 4 == 0 {
                await record(running) { _ = try await stores.cache.getAndSet("\(prefix)throttle\(index)", value: [UInt8(iteration % 256)], options: .relative(60)) }
                await record(running) { _ = try await stores.grants.consumeGrant(forKey: key) }
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    private func record(_ running: Running, _ call: () async throws -> Void) async {
        do {
            try await call()
            running.ledger.withLock { ledger in
                ledger.successes += 1
                if ledger.failures > 0 { ledger.successesAfterFailures += 1 }
            }
        } catch let error as IdentityStorageError where error.code == .unavailable {
            running.ledger.withLock { $0.failures += 1 }
        } catch {
            running.ledger.withLock { $0.unexpected.append(String(describing: error)) }
        }
    }

    /// Every acknowledged write is there (the grant's data byte for byte; a client at least as new as acknowledged).
    func verify(_ ledger: Ledger, with stores: IdentityStores) async throws {
        var missing: [String] = []
        for (key, data) in ledger.acknowledged {
            let grant = try await stores.grants.grant(forKey: key)
            if grant?.data != data { missing.append(key) }
        }
        #expect(missing.isEmpty, "\(missing.count) acknowledged grants lost, e.g. \(missing.prefix(3))")
        for (clientId, _) in ledger.clients {
            #expect(try await stores.clients.client(withId: clientId) != nil, "acknowledged client \(clientId) lost")
        }
    }
}

/// The recipe of Scripts/services/mariadb.sh, when the test server is the one it runs.
struct ServerRecipe: Sendable {
    static var servicesDirectory: String {
        ProcessInfo.processInfo.environment["IDSTORE_SERVICES_DIR"] ?? "/tmp/identitystorage-services"
    }

    let script: String

    /// The recipe, if the server's socket is where the recipe puts it.
    static func local() -> ServerRecipe? {
        let script = PackagePaths.file("Scripts/services/mariadb.sh")
        guard FileManager.default.fileExists(atPath: script),
              FileManager.default.fileExists(atPath: servicesDirectory + "/mariadb/mariadb.sock") else { return nil }
        return ServerRecipe(script: script)
    }

    /// ``local()`` for a test that restarts the server; when there is none, says so (an issue under CI, a line
    /// otherwise) on behalf of `test` ("restart test", "family restart test").
    static func forRestart(_ test: String) -> ServerRecipe? {
        if let recipe = local() { return recipe }
        let message = "the restart test needs the server of Scripts/services.sh (no socket under \(servicesDirectory))"
        if MariaDBTestServer.isCI { Issue.record("\(message)") } else { print("MariaDBTests: \(test) not run: \(message)") }
        return nil
    }

    /// Runs a function of the recipe (`restart_mariadb`, `launch_mariadb`); true when it succeeded.
    /// The shell is spawned and reaped on a thread of its own (Foundation's `Process` termination
    /// handler did not fire here once the script had started a daemon).
    func run(_ function: String) async throws -> Bool {
        let command = "set -euo pipefail; export IDSTORE_SERVICES_DIR='\(Self.servicesDirectory)'; source '\(script)'; \(function) >/dev/null 2>&1"
        return await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Self.shell(command) == 0) }.start()
        }
    }

    /// Leaves the server running whatever happened in the test: starts it on its data if it does not answer.
    func ensureRunning() {
        let socket = "\(Self.servicesDirectory)/mariadb/mariadb.sock"
        if Self.shell("mariadb-admin --no-defaults --socket='\(socket)' -uroot ping >/dev/null 2>&1") == 0 { return }
        _ = Self.shell("export IDSTORE_SERVICES_DIR='\(Self.servicesDirectory)'; source '\(script)'; restart_mariadb >/dev/null 2>&1")
    }

    /// Runs `command` with bash and waits for it; returns its exit status.
    static func shell(_ command: String) -> Int32 { spawnAndWait(["/bin/bash", "-c", command]) }
}
