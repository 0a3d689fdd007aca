import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// `idstore migrate --status` and `--print-sql`, as a DBA uses them: print, review, apply with the database's own
/// client, and the store accepts the schema exactly as one it migrated itself.
@Suite("Migrations applied by hand")
struct MigrationScriptTests {
    static let drivers: [any IdentityStorageDriver] = .builtIn

    /// Status, print, apply with `apply`, status again, then every case on the schema applied by hand. `versions`: the
    /// backend's migrations as the status lists them.
    static func applyByHand(_ url: String, versions: String, _ apply: (String) async throws -> (Int32, String)) async throws {
        let before = await ToolRun.run(["migrate", "--status", "--store", url], drivers: drivers)
        #expect(before.status == 0 && before.stdout.first?.hasSuffix("applied none; pending \(versions)") == true, "\(before)")
        let printed = await ToolRun.run(["migrate", "--print-sql", "--store", url], drivers: drivers)
        #expect(printed.status == 0 && printed.stdout.contains { $0.hasPrefix("CREATE TABLE") }, "\(printed)")
        // The refresh-token families' migration: the columns, their index and (servers) the rotation routine.
        #expect(printed.stdout.contains { $0.contains("family_id") } && printed.stdout.contains { $0.contains("persisted_grants_family") }, "\(printed)")
        let stillBefore = await ToolRun.run(["migrate", "--status", "--store", url], drivers: drivers)
        #expect(stillBefore.stdout == before.stdout, "printing the SQL changed the schema: \(stillBefore)")
        let (status, output) = try await apply(printed.stdout.joined(separator: "\n"))
        #expect(status == 0, "applying the printed SQL failed: \(output)")
        let after = await ToolRun.run(["migrate", "--status", "--store", url], drivers: drivers)
        #expect(after.status == 0 && after.stdout.first?.hasSuffix("applied \(versions); pending none") == true, "\(after)")
        let check = await ToolRun.run(["check", "--quiet", "--store", url], drivers: drivers)
        #expect(check.checkPassedEveryCase(ConformanceSuite.cases.count), "\(check)")
    }

    @Test func sqlite() async throws {
        let directory = try Scratch()
        let path = directory.path("by-hand.db")
        try await Self.applyByHand("sqlite:\(path)", versions: "1, 2, 3") { sql in try await shell("sqlite3", [path], input: sql) }
    }

    @Test func postgres() async throws {
        let base = DeploymentTests.postgres
        guard await DeploymentTests.serversAnswer([base]) else { return }
        let server = try StoreURL(parsing: base)
        let schema = "by_hand_\(UInt32.random(in: 0 ... .max))"
        try await ServerGate.postgres.shared {
            try await Self.applyByHand(base + (base.contains("?") ? "&" : "?") + "schema=\(schema)", versions: "1, 2") { sql in
                try await shell("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-h", server.hosts[0].name, "-p", String(server.hosts[0].port ?? 5432),
                                        "-U", server.user ?? "postgres", "-d", server.pathName ?? "postgres"],
                               input: sql, environment: ["PGPASSWORD": server.password ?? ""])
            }
        }
    }

    @Test func mariaDB() async throws {
        let base = DeploymentTests.mariadb
        guard await DeploymentTests.serversAnswer([base]) else { return }
        let server = try StoreURL(parsing: base)
        let database = "by_hand_\(UInt32.random(in: 0 ... .max))"
        let client = ["--no-defaults", "-h", server.hosts[0].name, "-P", String(server.hosts[0].port ?? 3306), "-u", server.user ?? "root",
                      "-p\(server.password ?? "")"]
        try await ServerGate.mariadb.shared {
            let (created, output) = try await shell("mariadb", client + ["-e", "CREATE DATABASE \(database) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"])
            #expect(created == 0, "\(output)")
            var url = server
            url.path = "/\(database)"
            try await Self.applyByHand(url.withPassword, versions: "1, 2, 3") { sql in try await shell("mariadb", client + [database], input: sql) }
            _ = try await shell("mariadb", client + ["-e", "DROP DATABASE \(database)"])
        }
    }
}
