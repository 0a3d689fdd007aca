import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStoragePostgres
import ServerTestSupport
import Testing

/// `idstore check` as a user runs it in CI: through the tool library, with a role that owns its database and nothing
/// else (`Scripts/services.sh` creates it; `IDSTORE_TEST_POSTGRES_APP_URL`).
@Suite("PostgreSQL under a least-privileged role")
struct PostgresLeastPrivilegeTests {
    static var url: String {
        ProcessInfo.processInfo.environment["IDSTORE_TEST_POSTGRES_APP_URL"]
            ?? "postgres://idstore_app:idstore_app@127.0.0.1:25432/idstore_app"
    }

    @Test func theRoleIsNoSuperuser() async throws {
        guard await PostgresTestServer.available() != nil else { return }
        let storage = try await PostgresIdentityStorage.open(.init(url: StoreURL(parsing: Self.url)))
        let rows = try await storage.executeRaw("SELECT rolsuper::text, rolcreatedb::text, rolcreaterole::text FROM pg_roles WHERE rolname = current_user")
        #expect(rows == [["false", "false", "false"]], "\(rows)")
        await storage.close()
    }

    @Test func checkPassesEveryCase() async throws {
        guard await PostgresTestServer.available() != nil else { return }
        let run = try await withSharedServer {
            await ToolRun.run(["check", "--quiet", "--cache-configuration", "--store", Self.url], drivers: [PostgresDriver()])
        }
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }
}
