import Foundation
import IdentityStorage
import IdentityStorageMariaDB
import ServerTestSupport
import Testing

/// A refresh-token family revoked before the server restarts stays revoked after it.
@Suite("MariaDB: refresh-token families across a restart")
struct MariaDBFamilyRestartTests {
    @Test func aFamilyRevokedBeforeARestartStaysRevoked() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        guard let recipe = ServerRecipe.forRestart("family restart test") else { return }
        try await ServerGate.mariadb.exclusive {
            defer { recipe.ensureRunning() }
            try await MariaDBTestServer.withScratchDatabase(base, "family") { configuration in
                var configuration = configuration
                configuration.connectTimeout = .seconds(2)
                let storage = try await MariaDBIdentityStorage.open(configuration)
                do {
                    let scenario = FamilyRevocationScenario()
                    try await scenario.prepare(storage.makeStores().grants)
                    #expect(try await recipe.run("restart_mariadb"), "restart_mariadb failed")
                    try await scenario.verify(storage.makeStores().grants)
                } catch {
                    Issue.record("\(error)")
                }
                await storage.close()
            }
        }
    }
}
