import Foundation
import IdentityStorage
import ServerTestSupport

/// Ends a test store's server connections from outside, as an operator or a failover would: `pg_terminate_backend`,
/// MariaDB's `KILL CONNECTION`, Redis's `CLIENT KILL`, run through each server's own command-line client.
enum ConnectionKiller {
    /// Kills the connections of the store opened with `name` (its `application_name`, database or `client_name`);
    /// returns how many were killed.
    static func kill(_ backend: TestBackend, name: String) async throws -> Int {
        switch backend {
        case .postgres:
            let result = try await shell("psql", [TestServerURL.postgres, "-Atc",
                                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(name)'"])
            return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        case .mariadb:
            let admin = try mariadbArguments()
            let ids = try await shell("mariadb", admin + ["-N", "-e", "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'idstore_\(name)'"])
                .output.split(separator: "\n").compactMap { Int($0) }
            var killed = 0
            for id in ids where try await shell("mariadb", admin + ["-e", "KILL CONNECTION \(id)"]).status == 0 { killed += 1 }
            return killed
        case .redis, .redisCluster:
            var killed = 0
            let url = try StoreURL(parsing: backend == .redis ? TestServerURL.redis : TestServerURL.redisCluster)
            for host in url.hosts {
                let port = String(host.port ?? 6379)
                let clients = try await shell("redis-cli", ["-h", host.name, "-p", port, "CLIENT", "LIST"]).output
                for line in clients.split(separator: "\n") where line.contains(" name=\(name) ") {
                    guard let id = line.split(separator: " ").first(where: { $0.hasPrefix("id=") })?.dropFirst(3) else { continue }
                    if try await shell("redis-cli", ["-h", host.name, "-p", port, "CLIENT", "KILL", "ID", String(id)]).output.hasPrefix("1") { killed += 1 }
                }
            }
            return killed
        case .memory, .sqlite:
            return 0
        }
    }

    /// The URL parameter that names the store's connections on the server (MariaDB: its private database does).
    static func naming(_ backend: TestBackend, _ name: String) -> [String] {
        switch backend {
        case .postgres: ["application_name=\(name)"]
        case .redis, .redisCluster: ["client_name=\(name)"]
        default: []
        }
    }

    private static func mariadbArguments() throws -> [String] {
        let server = try StoreURL(parsing: TestServerURL.mariadb)
        return ["--no-defaults", "-h", server.hosts[0].name, "-P", String(server.hosts[0].port ?? 3306), "-u", server.user ?? "root",
                "-p\(server.password ?? "")"]
    }
}
