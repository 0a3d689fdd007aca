import Foundation
import IdentityStorage
import ServerTestSupport
import Synchronization
import Testing

/// The promise holds while the change channel is down: its connection killed, its server restarted, and a writer
/// and a reader racing for 30 seconds.
@Suite("Configuration cache when the channel fails")
struct ConfigurationCacheFaultTests {
    /// The backends whose channel is a connection of its own (the others poll through the store's pool).
    static let listening: [CachedBackend] = [.postgres, .redis, .redisCluster]

    @Test(arguments: listening)
    func aKilledListenerConnectionNeverServesStaleData(_ backend: CachedBackend) async throws {
        try await CachedInstances.with(backend) { instances in
            for round in 1...2 {
                var client = cachedClient("killed")
                try await instances.writer.clients.saveClient(client)
                // The listener is back from the previous round: the reader holds the client and its origin in memory.
                try await instances.readerServesFromMemory()
                #expect(try await instances.reader.clients.client(withId: client.clientId)?.enabled == true)
                #expect(try await instances.reader.clients.isOriginAllowed(origin(of: client)))
                let killed = try await Listener.kill(backend)
                #expect(killed.status == 0, "\(killed.output)")
                try await instances.expectEachChangeSeen(&client, "listener killed, round \(round)")
            }
            try await instances.readerServesFromMemory()
        }
    }

    /// PostgreSQL and MariaDB: the test servers, restarted by their recipes (their data survives). Redis: a server of
    /// this test's own, since a restart empties a Redis without persistence and other suites keep data on the shared one.
    @Test(arguments: [CachedBackend.postgres, .mariadb, .redis])
    func aServerRestartNeverServesStaleData(_ backend: CachedBackend) async throws {
        let privateRedis = backend == .redis ? try await PrivateRedis.start() : nil
        do {
            try await restartingTheServer(backend, privateRedis)
        } catch {
            await privateRedis?.stop()
            throw error
        }
        await privateRedis?.stop()
    }

    private func restartingTheServer(_ backend: CachedBackend, _ privateRedis: PrivateRedis?) async throws {
        try await CachedInstances.with(backend, url: privateRedis?.url, restartingTheServer: true) { instances in
            var client = cachedClient("restart")
            try await instances.writer.clients.saveClient(client)
            try await instances.readerServesFromMemory()
            #expect(try await instances.reader.clients.client(withId: client.clientId)?.enabled == true)
            // Other suites hold the server's gate shared; the restart waits for them.
            let restarted = if let privateRedis { try await privateRedis.restart() } else { try await Listener.restart(backend) }
            #expect(restarted, "the recipe could not restart \(backend.rawValue)")
            // The changes reach the reader as before the restart: through the channel once it is back, by reading
            // through until then. The pools reconnect; a call that meets a killed connection is tried again.
            try await instances.expectEachChangeSeen(&client, "after the restart", retrying: true)
            try await instances.readerServesFromMemory()
        }
    }

    @Test(arguments: CachedBackend.allCases)
    func aWriterAndAReaderRacingForThirtySecondsNeverBreakThePromise(_ backend: CachedBackend) async throws {
        try await CachedInstances.with(backend) { instances in
            var client = cachedClient("race")
            client.clientName = "0"
            try await instances.writer.clients.saveClient(client)
            try await instances.readerServesFromMemory()
            let written = SaveTimes()
            let base = client
            // 30 seconds, and on a machine so loaded that the reader hardly ran, until it has read 100 times: at a load
            // average of 30, `file:` reads through to a backend whose saves took seconds, 47 reads in two minutes. The
            // ten minutes are a hang guard, not a speed.
            let race = RaceProgress(minimum: .seconds(30), maximum: .seconds(600), reads: 100)
            let (reads, stale, worst) = try await withThrowingTaskGroup(of: (Int, Int, Duration).self) { group in
                group.addTask {
                    var version = 0
                    while !race.isOver {
                        version += 1
                        var next = base
                        next.clientName = String(version)
                        try await instances.writer.clients.saveClient(next)
                        written.append(.now)
                        try await Task.sleep(for: .milliseconds(Int.random(in: 5...40)))
                    }
                    return (0, 0, .zero)
                }
                group.addTask {
                    var reads = 0, stale = 0
                    var worst = Duration.zero
                    while !race.isOver {
                        let began = ContinuousClock.now
                        guard let name = try await instances.reader.clients.client(withId: base.clientId)?.clientName,
                              let version = Int(name) else { continue }
                        reads += 1
                        race.read()
                        // The next version's save had returned this long before the read began: how stale the read was.
                        let newer = written.time(of: version + 1)
                        if let newer, began - newer > worst { worst = began - newer }
                        if let newer, began - newer > instances.promise { stale += 1 }
                        // A hit never suspends: without a pause the reader would hold a cooperative thread for 30 s.
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    return (reads, stale, worst)
                }
                var total = (0, 0, Duration.zero)
                for try await result in group {
                    total.0 += result.0
                    total.1 += result.1
                    total.2 = max(total.2, result.2)
                }
                return total
            }
            let versions = written.count
            print("ConfigurationCacheTests: \(backend.rawValue): race of \(race.elapsed): \(versions) writes, \(reads) reads, \(stale) staler than \(instances.promise), stalest \(worst)")
            #expect(stale == 0, "\(stale) of \(reads) reads were staler than the promise (stalest \(worst))")
            #expect(reads >= 100, "the reader read only \(reads) times in \(race.elapsed)")
        }
    }

}

/// A standalone Redis of one test's own (no persistence), on a port of its own.
struct PrivateRedis: Sendable {
    let port: Int
    let directory: String
    var url: String { "redis://127.0.0.1:\(port)/0" }

    static func start() async throws -> PrivateRedis {
        // Not 27001-27006: the test cluster's bus ports (its ports plus 10,000).
        let redis = PrivateRedis(port: Int.random(in: 28_000...28_999), directory: CachedInstances.scratch.path(uniqueName("redis")))
        try FileManager.default.createDirectory(atPath: redis.directory, withIntermediateDirectories: true)
        guard try await redis.launch() else { throw IdentityStorageError(.unavailable, "could not start a private Redis on \(redis.port)") }
        return redis
    }

    /// Shuts the server down and starts it again on the same port.
    func restart() async throws -> Bool {
        await stop()
        return try await launch()
    }

    /// Every command runs off the cooperative pool, bounded by `timeout`: a blocked one would stall every test.
    func stop() async {
        _ = try? await offTheCooperativePool { [port] in
            spawnAndWait(["/usr/bin/env", "timeout", "5", "redis-cli", "-p", String(port), "shutdown", "nosave"])
        }
    }

    private func launch() async throws -> Bool {
        let arguments = ["/usr/bin/env", "timeout", "10", "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--daemonize", "yes", "--dir", directory, "--logfile", directory + "/server.log"]
        guard try await offTheCooperativePool({ spawnAndWait(arguments) }) == 0 else { return false }
        for _ in 0..<100 {
            let answered = try await shell("timeout", ["2", "redis-cli", "-p", String(port), "ping"]).output.hasPrefix("PONG")
            if answered { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// When a race ends: after `minimum`, once the reader has read `reads` times, or after `maximum` whatever happened.
final class RaceProgress: Sendable {
    private let started = ContinuousClock.now
    private let minimum: Duration, maximum: Duration, wanted: Int
    private let count = Atomic<Int>(0)

    init(minimum: Duration, maximum: Duration, reads: Int) {
        self.minimum = minimum
        self.maximum = maximum
        wanted = reads
    }

    func read() { count.add(1, ordering: .relaxed) }
    var elapsed: Duration { .now - started }
    var isOver: Bool { elapsed >= maximum || (elapsed >= minimum && count.load(ordering: .relaxed) >= wanted) }
}

/// When each version's save returned (version 0 first).
final class SaveTimes: Sendable {
    private let times = Mutex<[ContinuousClock.Instant]>([.now])
    func append(_ instant: ContinuousClock.Instant) { times.withLock { $0.append(instant) } }
    func time(of version: Int) -> ContinuousClock.Instant? { times.withLock { $0.count > version ? $0[version] : nil } }
    var count: Int { times.withLock { $0.count } }
}

/// What the tests do to the servers' side of the channel.
enum Listener {
    /// Kills every configuration listener connection on the backend's test server(s).
    static func kill(_ backend: CachedBackend) async throws -> (status: Int32, output: String) {
        switch backend {
        case .postgres:
            let url = try StoreURL(parsing: TestServerURL.postgres)
            return try await shell("psql", ["-X", "-At", "-h", url.hosts[0].name, "-p", String(url.hosts[0].port ?? 5432), "-U", url.user ?? "postgres",
                                      "-d", String(url.path.drop { $0 == "/" }), "-c",
                                      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'identitystorage configuration listener'"],
                         environment: ["PGPASSWORD": url.password ?? ""])
        case .redis, .redisCluster:
            let url = try StoreURL(parsing: backend == .redis ? TestServerURL.redis : TestServerURL.redisCluster)
            var output = ""
            for host in url.hosts {
                let run = try await shell("redis-cli", ["-h", host.name, "-p", String(host.port ?? 6379), "CLIENT", "KILL", "TYPE", "pubsub"])
                guard run.status == 0 else { return run }
                output += run.output
            }
            return (0, output)
        default:
            return (1, "\(backend.rawValue) has no listener connection")
        }
    }

    /// Restarts the PostgreSQL or MariaDB test server with the recipe of Scripts/services, holding its gate exclusively.
    static func restart(_ backend: CachedBackend) async throws -> Bool {
        let (script, function) = backend == .postgres ? ("postgres.sh", "restart_postgres") : ("mariadb.sh", "restart_mariadb")
        let directory = ProcessInfo.processInfo.environment["IDSTORE_SERVICES_DIR"] ?? "/tmp/identitystorage-services"
        let command = "set -euo pipefail; export IDSTORE_SERVICES_DIR='\(directory)'; source '\(PackagePaths.file("Scripts/services/" + script))'; \(function) >/dev/null 2>&1"
        return try await (backend == .postgres ? ServerGate.postgres : ServerGate.mariadb).exclusive {
            try await offTheCooperativePool { spawnAndWait(["/bin/bash", "-c", command]) == 0 }
        }
    }
}
