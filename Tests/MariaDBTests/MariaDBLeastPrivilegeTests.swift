import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMariaDB
import ServerTestSupport
import Testing

/// `idstore check` as a user runs it in CI: through the tool library, with a user whose privileges cover one database
/// only (`Scripts/services.sh` creates it; `IDSTORE_TEST_MARIADB_APP_URL`).
@Suite("MariaDB under a least-privileged user")
struct MariaDBLeastPrivilegeTests {
    static var url: String {
        ProcessInfo.processInfo.environment["IDSTORE_TEST_MARIADB_APP_URL"]
            ?? "mariadb://idstore_app:idstore_app@127.0.0.1:23306/idstore_app"
    }

    @Test func theUserHasPrivilegesOnOneDatabaseOnly() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        let storage = try await MariaDBIdentityStorage.open(.init(url: StoreURL(parsing: Self.url)))
        let grants = try await storage.queryRaw("SHOW GRANTS").compactMap { $0.first ?? nil }
        #expect(grants.contains { $0.contains("ON `idstore_app`.*") }, "\(grants)")
        #expect(grants.allSatisfy { $0.contains("ON `idstore_app`.*") || $0.hasPrefix("GRANT USAGE ON *.*") }, "\(grants)")
        await storage.close()
    }

    @Test func checkPassesEveryCase() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        let run = await ServerGate.mariadb.shared {
            await ToolRun.run(["check", "--quiet", "--cache-configuration", "--store", Self.url], drivers: [MariaDBDriver()])
        }
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }
}
