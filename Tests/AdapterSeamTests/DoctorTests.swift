import Foundation
import IdentityStorage
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// `idstore doctor`: all right on the project's own servers, and a wrong setting found, named and explained.
@Suite("idstore doctor")
struct DoctorTests {
    static let drivers: [any IdentityStorageDriver] = .builtIn

    static func doctor(_ url: String) async -> ToolRun {
        await ToolRun.run(["doctor", "--store", url], drivers: drivers)
    }

    @Test func theProjectsOwnServersAreAllRight() async throws {
        let servers = [DeploymentTests.postgres, DeploymentTests.mariadb, DeploymentTests.redis, DeploymentTests.redisCluster]
        guard await DeploymentTests.serversAnswer(servers) else { return }
        let directory = try Scratch()
        let sqlite = "sqlite:\(directory.path("doctor.db"))"
        #expect(await ToolRun.run(["migrate", "--store", sqlite], drivers: Self.drivers).status == 0)
        for url in servers + [sqlite] {
            let run = await ServerGate.sharing(store: url) { await Self.doctor(url) }
            #expect(run.status == 0 && !run.stdout.contains { $0.contains("WRONG") }, "\(run)")
        }
    }

    /// The accounts an application gets (`Scripts/services.sh`): doctor passes them; a Redis user that may not run
    /// `INFO` is told what was not checked, as a warning.
    @Test func theLeastPrivilegedAccountsPass() async throws {
        let servers = [TestServerURL.postgresApp, TestServerURL.mariadbApp, TestServerURL.redisApp, TestServerURL.redisClusterApp]
        guard await DeploymentTests.serversAnswer(servers) else { return }
        for url in servers {
            let run = await ServerGate.sharing(store: url) { () async -> ToolRun in
                let migrate = await ToolRun.run(["migrate", "--store", url], drivers: Self.drivers)
                #expect(migrate.status == 0, "\(migrate)")
                return await Self.doctor(url)
            }
            #expect(run.status == 0 && !run.stdout.contains { $0.contains("WRONG") }, "\(run)")
            #expect(run.stdout.contains { $0.hasPrefix("  ok    ") && ($0.contains("table privileges") || $0.contains("keys: reads and writes every key")) }, "\(run)")
        }
    }

    /// The test servers run without crash safety (`fsync=off`, `appendonly no`, `innodb_flush_log_at_trx_commit=2`):
    /// doctor warns where a store holds data whose loss is not by design, passes without `--strict`, fails with it.
    @Test func theTestServersLoseWritesOnACrashAndDoctorWarns() async throws {
        let servers = [(DeploymentTests.postgres, "WARN  fsync: off"), (DeploymentTests.mariadb, "WARN  innodb_flush_log_at_trx_commit: 2"),
                       (DeploymentTests.redis, "appendonly: no"), (DeploymentTests.redisCluster, "appendonly: no")]
        guard await DeploymentTests.serversAnswer(servers.map(\.0)) else { return }
        for (url, warning) in servers {
            let (run, strict) = await ServerGate.sharing(store: url) {
                (await Self.doctor(url), await ToolRun.run(["doctor", "--strict", "--store", url], drivers: Self.drivers))
            }
            #expect(run.status == 0 && run.stdout.contains { $0.contains(warning) && $0.contains("WARN  ") }, "\(run)")
            #expect(strict.status == 1 && strict.stderr.count == 1 && strict.stderr[0].contains("--strict"), "\(strict)")
        }
        // A Redis that holds only the distributed cache, which may lose entries by design: no warning.
        let cacheOnly = await ServerGate.sharing(store: DeploymentTests.redis) {
            await ToolRun.run(["doctor", "--strict", "--store", "memory:", "--cache-store", DeploymentTests.redis], drivers: Self.drivers)
        }
        #expect(cacheOnly.status == 0 && cacheOnly.stdout.contains { $0.contains("ok    ") && $0.contains("appendonly: no (matters for") }, "\(cacheOnly)")
    }

    @Test func aPostgreSQLDatabaseThatIsNotUTF8() async throws {
        guard await DeploymentTests.serversAnswer([DeploymentTests.postgres]) else { return }
        let server = try StoreURL(parsing: DeploymentTests.postgres)
        let database = "doctor_\(UInt32.random(in: 0 ... .max))"
        func psql(_ sql: String) async throws -> (Int32, String) {
            try await shell("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-h", server.hosts[0].name, "-p", String(server.hosts[0].port ?? 5432),
                                                    "-U", server.user ?? "postgres", "-d", server.pathName ?? "postgres", "-c", sql],
                                           environment: ["PGPASSWORD": server.password ?? ""])
        }
        // Held shared: a fault test restarting the server meanwhile would break psql's connection.
        let run = try await ServerGate.postgres.shared { () async throws -> ToolRun in
            let created = try await psql("CREATE DATABASE \(database) ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
            #expect(created.0 == 0, "\(created.1)")
            var url = server
            url.path = "/\(database)"
            let run = await Self.doctor(url.withPassword)
            _ = try? await psql("DROP DATABASE \(database)")
            return run
        }
        #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
        #expect(run.stdout.contains { $0.contains("WRONG encoding: SQL_ASCII") && $0.contains("ENCODING 'UTF8'") }, "\(run)")
    }

    @Test func aMariaDBPacketLimitBelowThePayloadLimit() async throws {
        guard await DeploymentTests.serversAnswer([DeploymentTests.mariadb]) else { return }
        let server = try StoreURL(parsing: DeploymentTests.mariadb)
        func mariadb(_ sql: String) async throws -> (Int32, String) {
            try await shell("mariadb", ["--no-defaults", "-h", server.hosts[0].name, "-P", String(server.hosts[0].port ?? 3306),
                                                       "-u", server.user ?? "root", "-p\(server.password ?? "")", "-e", sql])
        }
        // A global setting every new connection sees: no other test may run against the server meanwhile.
        let run = try await ServerGate.mariadb.exclusive { () async throws -> ToolRun in
            #expect(try await mariadb("SET GLOBAL max_allowed_packet = 1048576").0 == 0)
            let run = await Self.doctor(DeploymentTests.mariadb)
            _ = try? await mariadb("SET GLOBAL max_allowed_packet = 16777216")
            return run
        }
        #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
        #expect(run.stdout.contains { $0.contains("WRONG max_allowed_packet: 1 MiB") && $0.contains("SET GLOBAL max_allowed_packet = 16777216") }, "\(run)")
    }

    @Test func aRedisThatEvictsAnyKey() async throws {
        guard await DeploymentTests.serversAnswer([DeploymentTests.redis]) else { return }
        let server = try StoreURL(parsing: DeploymentTests.redis)
        func redis(_ arguments: [String]) async throws -> (Int32, String) {
            try await shell("redis-cli", ["-h", server.hosts[0].name, "-p", String(server.hosts[0].port ?? 6379)] + arguments)
        }
        let run = try await ServerGate.redis.exclusive { () async throws -> ToolRun in
            #expect(try await redis(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]).0 == 0)
            let run = await Self.doctor(DeploymentTests.redis)
            _ = try? await redis(["CONFIG", "SET", "maxmemory-policy", "noeviction"])
            return run
        }
        #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
        #expect(run.stdout.contains { $0.contains("maxmemory-policy: allkeys-lru") && $0.contains("CONFIG SET maxmemory-policy noeviction") }, "\(run)")
    }
}
