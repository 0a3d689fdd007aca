import Foundation
import IdentityStorage
import IdentityStoragePostgres
import ServerTestSupport
import Testing

/// A refresh-token family revoked before the server restarts stays revoked after it.
@Suite("PostgreSQL: refresh-token families across a restart")
struct PostgresFamilyRestartTests {
    // Holds the server's gate exclusively, as every restart does; the limit is the last resort against a hang.
    @Test(.timeLimit(.minutes(30)))
    func aFamilyRevokedBeforeARestartStaysRevoked() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        guard let restart = ServerRestart.find() else { return }
        try await withExclusiveServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_family") {
                $0.connectTimeout = .seconds(2)
                $0.acquireTimeout = .seconds(20)
            }
            do {
                let scenario = FamilyRevocationScenario()
                try await scenario.prepare(opened.storage.makeStores().grants)
                try await restart.run()
                try await scenario.verify(opened.storage.makeStores().grants)
            } catch {
                Issue.record("\(error)")
            }
            try await opened.close()
        }
    }
}
