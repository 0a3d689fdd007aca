import Foundation
import IdentityStorage
import IdentityStoragePostgres
import Synchronization
import ServerTestSupport
import Testing

/// Connection loss in the middle of a concurrent workload: every call either succeeds or reports
/// `unavailable` (never hangs, never crashes), the store serves again once the server is back, and
/// every acknowledged write is still there.
@Suite("PostgreSQL faults")
struct PostgresFaultTests {
    @Test(.timeLimit(.minutes(10)))
    func terminatingEveryBackendMidWorkloadLosesNoAcknowledgedWrite() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let admin = try await SharedPostgres.shared.storage()
            // A database of its own, so "every other backend" is every connection of the store under test.
            let database = uniqueName("idstore_fault")
            try await admin.executeRaw("CREATE DATABASE \(database)")
            do {
                var configuration = base
                configuration.database = database
                configuration.poolSize = 8
                configuration.acquireTimeout = .seconds(10)
                configuration.queryTimeout = .seconds(10)
                let storage = try await PostgresIdentityStorage.open(configuration)
                let workload = Workload(stores: storage.makeStores(), tasks: 16)
                let running = Task { await workload.run() }
                var terminated = 0
                for _ in 0..<4 {
                    try await Task.sleep(for: .milliseconds(250))
                    let rows = try await admin.executeRaw("""
                        SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE datname = $1 AND pid <> pg_backend_pid()
                        """, [database])
                    terminated += Int(rows.first?.first.flatMap { $0 } ?? "0") ?? 0
                }
                try await Task.sleep(for: .milliseconds(500))
                workload.stop()
                await running.value
                let report = workload.report()
                print("PostgresFaultTests: terminate: \(terminated) backends terminated; \(report)")
                #expect(terminated >= 4, "the workload's connections were terminated")
                try await workload.check(after: "terminating backends")
                await storage.close()
            } catch {
                Issue.record("\(error)")
            }
            try await admin.executeRaw("DROP DATABASE \(database) WITH (FORCE)")
        }
    }

    // It holds the server's gate exclusively, which it gets once no other test holds it: on a loaded machine, near the
    // end of the run. The limit is the last resort; the workload's own deadline and the restart's bounds end a hang.
    @Test(.timeLimit(.minutes(60)))
    func restartingTheServerMidWorkloadLosesNoAcknowledgedWrite() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        guard let restart = ServerRestart.find() else { return }
        try await withExclusiveServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_restart") {
                $0.poolSize = 4
                $0.connectTimeout = .seconds(2)
                $0.acquireTimeout = .seconds(10)
            }
            do {
                let workload = Workload(stores: opened.storage.makeStores(), tasks: 8)
                let running = Task { await workload.run() }
                // Until the workload has written: on a loaded machine its tasks may take a while to start.
                let deadline = ContinuousClock.now + .seconds(30)
                while workload.report().acknowledged == 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(400))
                let before = workload.report().acknowledged
                let started = ContinuousClock.now
                try await restart.run()
                let downtime = ContinuousClock.now - started
                let atRestart = workload.report().acknowledged
                try await Task.sleep(for: .milliseconds(1_500))
                workload.stop()
                await running.value
                let report = workload.report()
                print("PostgresFaultTests: restart took \(downtime); \(report)")
                #expect(before > 0, "the workload ran before the restart")
                #expect(report.acknowledged > atRestart, "the store serves again after the restart")
                try await workload.check(after: "the restart")
            } catch {
                Issue.record("\(error)")
            }
            try await opened.close()
        }
    }
}

/// Writers and readers over unique keys, remembering every acknowledged write and every error.
final class Workload: Sendable {
    struct Report: CustomStringConvertible {
        var acknowledged = 0
        var reads = 0
        var errors: [String: Int] = [:]
        var description: String {
            "\(acknowledged) writes acknowledged, \(reads) reads, errors: \(errors.isEmpty ? "none" : errors.map { "\($0.key) ×\($0.value)" }.sorted().joined(separator: ", "))"
        }
    }

    private struct State {
        var acknowledged: [PersistedGrant] = []
        var reads = 0
        var errors: [IdentityStorageError] = []
        var unexpected: [String] = []
    }

    private let stores: IdentityStores
    private let tasks: Int
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)
    private let prefix = uniqueName("w")
    /// A workload never outlives this, even when a test forgets to stop it (or is cancelled before it can).
    private let deadline = ContinuousClock.now + .seconds(60)

    init(stores: IdentityStores, tasks: Int) {
        self.stores = stores
        self.tasks = tasks
    }

    func stop() { stopped.store(true, ordering: .releasing) }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask { await self.loop(task) }
            }
        }
    }

    private func loop(_ task: Int) async {
        var index = 0
        while !stopped.load(ordering: .acquiring), ContinuousClock.now < deadline {
            index += 1
            let grant = PersistedGrant(key: "\(prefix).\(task).\(index)", type: "refresh_token", subjectId: "s\(task)", clientId: "c",
                                       creationTime: Date().roundedToStoragePrecision, data: "payload \(task) \(index)")
            do {
                try await stores.grants.storeGrant(grant)
                state.withLock { $0.acknowledged.append(grant) }
                if index % 3 == 0 {
                    let read = try await stores.grants.grant(forKey: grant.key)
                    state.withLock { state in
                        state.reads += 1
                        if read != grant { state.unexpected.append("read of \(grant.key) returned \(String(describing: read))") }
                    }
                }
            } catch let error as IdentityStorageError {
                state.withLock { $0.errors.append(error) }
                // A caller that got `unavailable` retries a little later, as a server would on its next request.
                try? await Task.sleep(for: .milliseconds(20))
            } catch {
                state.withLock { $0.unexpected.append("\(error)") }
            }
        }
    }

    func report() -> Report {
        state.withLock { state in
            var report = Report(acknowledged: state.acknowledged.count, reads: state.reads)
            for error in state.errors { report.errors["\(error.code)", default: 0] += 1 }
            return report
        }
    }

    /// Every error was `unavailable`, and every acknowledged write reads back whole.
    func check(after what: String) async throws {
        let (acknowledged, errors, unexpected) = state.withLock { ($0.acknowledged, $0.errors, $0.unexpected) }
        #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
        for error in errors where error.code != .unavailable {
            Issue.record("during \(what), a call failed with \(error) instead of unavailable")
        }
        #expect(!acknowledged.isEmpty)
        var missing: [String] = []
        for grant in acknowledged where try await stores.grants.grant(forKey: grant.key) != grant {
            missing.append(grant.key)
        }
        #expect(missing.isEmpty, "acknowledged writes lost after \(what): \(missing.prefix(10))")
        let removed = try await stores.grants.removeGrants(matching: PersistedGrantFilter(clientId: "c"))
        #expect(removed >= acknowledged.count)
    }
}

/// Restarts the test server through its recipe (`restart_postgres` in Scripts/services/postgres.sh,
/// `pg_ctl restart` as the postgres user, then waiting until it answers). Only possible when the
/// server is the one `Scripts/services.sh start postgres` started on this machine.
struct ServerRestart {
    let recipe: String
    let servicesDirectory: String

    static func find(_ test: String = #function) -> ServerRestart? {
        let environment = ProcessInfo.processInfo.environment
        let directory = environment["IDSTORE_SERVICES_DIR"] ?? "/tmp/identitystorage-services"
        let recipe = PackagePaths.file("Scripts/services/postgres.sh")
        let pidFile = directory + "/postgres/data/postmaster.pid"
        guard FileManager.default.fileExists(atPath: pidFile), FileManager.default.fileExists(atPath: recipe) else {
            let message = "the PostgreSQL server was not started by Scripts/services.sh on this machine (no \(pidFile)), so it cannot be restarted"
            if PostgresTestServer.isCI {
                Issue.record("\(test): \(message)")
            } else {
                print("PostgresTests: \(test) not run: \(message)")
            }
            return nil
        }
        return ServerRestart(recipe: recipe, servicesDirectory: directory)
    }

    /// Runs the recipe with `posix_spawn` and waits on a thread of its own. Not Foundation's `Process`: it
    /// notices the end of a child by EOF on a socket the child inherits, and the server that `pg_ctl`
    /// starts inherits it too, so the end would only be seen when the server stops. The script also
    /// closes every descriptor above 2 before it starts the server, for the same reason.
    func run() async throws {
        let script = """
            for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null; done
            set -eu; source "$0"; restart_postgres
            """
        var environment = ProcessEnvironment.current
        environment["IDSTORE_SERVICES_DIR"] = servicesDirectory
        let arguments = ["/bin/bash", "-c", script, recipe]
        let variables = environment.map { "\($0.key)=\($0.value)" }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread {
                let cArguments = arguments.map { strdup($0) } + [nil]
                let cVariables = variables.map { strdup($0) } + [nil]
                defer {
                    for pointer in cArguments { free(pointer) }
                    for pointer in cVariables { free(pointer) }
                }
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, cArguments, cVariables)
                guard spawned == 0 else {
                    continuation.resume(throwing: IdentityStorageError(.unavailable, "could not start bash: error \(spawned)"))
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                continuation.resume(returning: status)
            }.start()
        }
        guard status == 0 else { throw IdentityStorageError(.unavailable, "restart_postgres failed (wait status \(status))") }
    }
}
