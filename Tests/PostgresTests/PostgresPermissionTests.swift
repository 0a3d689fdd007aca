import Foundation
import IdentityStorage
import IdentityStoragePostgres
import ServerTestSupport
import Testing

/// A role that lacks a privilege the stores need: the store call is refused as `permissionDenied` with the GRANT
/// that allows it (not `schemaMismatch`, which sends an operator to the migrations), nothing is lost, and
/// `idstore doctor` names the missing privilege.
@Suite("PostgreSQL permission refusals")
struct PostgresPermissionTests {
    @Test func aRoleWithoutAPrivilegeIsToldWhatToGrantAndDoctorNamesIt() async throws {
        guard let admin = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let owner = try await PrivateSchemaStorage.open(admin, prefix: "idstore_perm")
            let role = uniqueName("idstore_perm")
            let password = "Perm-\(UInt64.random(in: 0 ... .max))"
            let database = admin.database ?? "idstore"
            do {
                for sql in ["CREATE ROLE \(role) LOGIN PASSWORD '\(password)'", "GRANT CONNECT ON DATABASE \(database) TO \(role)",
                            "GRANT USAGE ON SCHEMA \(owner.schema) TO \(role)",
                            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(owner.schema) TO \(role)",
                            "REVOKE DELETE ON \(owner.schema).persisted_grants FROM \(role)"] {
                    _ = try await owner.storage.executeRaw(sql)
                }
                var limited = admin
                limited.user = role
                limited.password = password
                limited.schema = owner.schema
                limited.poolSize = 1
                limited.migratesOnOpen = false
                let storage = try await PostgresIdentityStorage.open(limited)
                let grants = storage.makeStores().grants
                let grant = PersistedGrant(key: uniqueName("k"), type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "d")
                try await grants.storeGrant(grant)
                let error = await expectCode(.permissionDenied) { _ = try await grants.removeGrant(forKey: grant.key) }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.contains("GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE \(owner.schema).persisted_grants TO \(role)"), "\(text)")
                #expect(error?.backendDetail?.code == "42501" && !text.contains(password), "\(text)")
                #expect(try await grants.grant(forKey: grant.key) == grant, "the refused removal removed nothing")
                await storage.close()

                let url = "postgres://\(role):\(password)@\(admin.host):\(admin.port)/\(database)?schema=\(owner.schema)"
                let run = await ToolRun.run(["doctor", "--store", url], drivers: [PostgresDriver()])
                #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
                #expect(run.stdout.contains {
                    $0.contains("WRONG role \(role) table privileges: missing DELETE on persisted_grants")
                        && $0.contains("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(owner.schema) TO \(role)")
                }, "\(run)")
                #expect(!run.stdout.joined().contains(password) && !run.stderr.joined().contains(password))
            } catch {
                Issue.record("\(error)")
            }
            try await owner.close()
            let cleanup = try await PostgresIdentityStorage.open(admin)
            _ = try? await cleanup.executeRaw("DROP OWNED BY \(role)")
            _ = try? await cleanup.executeRaw("DROP ROLE \(role)")
            await cleanup.close()
        }
    }
}
