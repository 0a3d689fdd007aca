import Configuration
import Foundation
import IdentityStorage
import IdentityStorageConfigReader
import IdentityStorageMemory
import IdentityStorageSQLite
import ServerTestSupport
import Testing

/// `StoreOpener.openDeployment(configReader:)` on the memory and SQLite backends: the parts where the configuration
/// puts them, the configuration cache it asks for, and a URL no driver opens refused.
@Suite("Opening a deployment from a ConfigReader")
struct OpenDeploymentFromConfigTests {
    static let opener = StoreOpener(drivers: [MemoryDriver(), SQLiteDriver()])

    @Test func theConfigurationsPartsOpenWhereItPutsThem() async throws {
        let directory = try Scratch()
        let database = directory.path("identity.db")
        try Data("""
            identitystorage:
              store: sqlite:\(database)
              cacheStore: "memory:"
              cacheConfiguration: true
              configurationStaleness: 300
            """.utf8).write(to: URL(fileURLWithPath: directory.path("deployment.yaml")))
        let reader = ConfigReader(provider: try await DeploymentSettings.fileProvider(path: directory.path("deployment.yaml")))
        let deployment = try await Self.opener.openDeployment(configReader: reader)
        #expect(deployment.stores.map(\.driver.name) == ["SQLite", "memory"], "\(deployment)")
        #expect(deployment.store(for: .operationalData).url.path == database)
        #expect(deployment.store(for: .distributedCache).url.scheme == "memory")
        #expect(deployment.store(for: .configuration).configurationCache != nil)
        let stores = deployment.makeStores()
        try await stores.clients.saveClient(Client(clientId: "web"))
        #expect(try await stores.clients.client(withId: "web")?.clientId == "web")
        await deployment.close()
        #expect(FileManager.default.fileExists(atPath: database), "the SQLite part was opened from the file's URL")
    }

    @Test func aSchemeNoDriverOpensIsAnInvalidArgument() async throws {
        let reader = ConfigReader(provider: InMemoryProvider(values: ["identitystorage.store": "memory:",
                                                                      "identitystorage.keyStore": "nowhere:x"]))
        let error = try await #require(throws: IdentityStorageError.self) { try await Self.opener.openDeployment(configReader: reader) }
        #expect(error.code == .invalidArgument && error.message.contains("unknown store URL scheme 'nowhere'"), "\(error)")
    }
}
