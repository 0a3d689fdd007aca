import Foundation
import IdentityStorage
import IdentityStorageMariaDB
import ServerTestSupport
import Testing

/// A user that lacks a privilege the stores need: the store call is refused as `permissionDenied` with the GRANT that
/// allows it (not `unavailable`, which invites a retry loop), nothing is lost, and `idstore doctor` names the
/// missing privilege.
@Suite("MariaDB permission refusals")
struct MariaDBPermissionTests {
    @Test func aUserWithoutAPrivilegeIsToldWhatToGrantAndDoctorNamesIt() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.shared {
            try await MariaDBTestServer.withScratchDatabase(base, "perm") { configuration in
                let admin = try await MariaDBIdentityStorage.open(configuration)
                let user = uniqueName("perm")
                let password = "Perm-\(UInt64.random(in: 0 ... .max))"
                do {
                    _ = try await admin.queryRaw("CREATE USER '\(user)'@'%' IDENTIFIED BY '\(password)'")
                    // Every privilege on every table but DELETE on persisted_grants.
                    let tables = try await admin.queryRaw("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
                        .compactMap { $0.first ?? nil }
                    for table in tables {
                        let privileges = table == "persisted_grants" ? "SELECT, INSERT, UPDATE" : "SELECT, INSERT, UPDATE, DELETE"
                        _ = try await admin.queryRaw("GRANT \(privileges) ON `\(configuration.database)`.`\(table)` TO '\(user)'@'%'")
                    }
                    var limited = configuration
                    limited.user = user
                    limited.password = password
                    limited.poolSize = 1
                    limited.migratesOnOpen = false
                    let storage = try await MariaDBIdentityStorage.open(limited)
                    let grants = storage.makeStores().grants
                    let grant = PersistedGrant(key: uniqueName("k"), type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "d")
                    try await grants.storeGrant(grant)
                    do {
                        _ = try await grants.removeGrant(forKey: grant.key)
                        Issue.record("a removal without the DELETE privilege succeeded")
                    } catch let error as IdentityStorageError {
                        #expect(error.code == .permissionDenied, "\(error)")
                        #expect("\(error)".contains("GRANT DELETE ON `\(configuration.database)`.`persisted_grants` TO '\(user)'@"), "\(error)")
                        #expect(error.backendDetail?.code?.hasPrefix("1142") == true && !"\(error)".contains(password), "\(error)")
                    }
                    #expect(try await grants.grant(forKey: grant.key) == grant, "the refused removal removed nothing")
                    await storage.close()

                    let url = "mariadb://\(user):\(password)@\(configuration.host):\(configuration.port)/\(configuration.database)"
                    let run = await ToolRun.run(["doctor", "--store", url], drivers: [MariaDBDriver()])
                    #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
                    #expect(run.stdout.contains {
                        $0.contains("WRONG user '\(user)'@'%' table privileges: missing DELETE on persisted_grants:")
                            && $0.contains("GRANT SELECT, INSERT, UPDATE, DELETE ON `\(configuration.database)`.* TO '\(user)'@'%'")
                    }, "\(run)")
                    #expect(run.stdout.contains { $0.contains("ok    user '\(user)'@'%' on database `\(configuration.database)`: no CREATE") }, "\(run)")
                    #expect(!run.stdout.joined().contains(password) && !run.stderr.joined().contains(password))
                } catch {
                    Issue.record("\(error)")
                }
                _ = try? await admin.queryRaw("DROP USER '\(user)'@'%'")
                await admin.close()
            }
        }
    }
}
