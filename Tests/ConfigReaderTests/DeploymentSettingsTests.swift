import Configuration
import Foundation
import IdentityStorage
import IdentityStorageConfigReader
import ServerTestSupport
import Testing

/// A deployment read through swift-configuration: JSON and YAML files, environment variables, an in-memory provider,
/// the providers' precedence, and the keys' names.
@Suite("Deployment settings from a ConfigReader")
struct DeploymentSettingsTests {
    static let json = """
        {
          "identitystorage": {
            "store": "postgres://app:hunter2@db:5432/idp",
            "keyStore": "file:/etc/idp/keys",
            "cacheStore": "redis://cache:6379/0",
            "cacheConfiguration": true,
            "configurationStaleness": 250
          }
        }
        """

    static let yaml = """
        identitystorage:
          store: postgres://app:hunter2@db:5432/idp
          keyStore: file:/etc/idp/keys
          cacheStore: redis://cache:6379/0
          cacheConfiguration: true
          configurationStaleness: 250
        """

    static let expected = DeploymentSettings(store: "postgres://app:hunter2@db:5432/idp",
                                             overrides: [.keyMaterial: "file:/etc/idp/keys", .distributedCache: "redis://cache:6379/0"],
                                             cacheConfiguration: true, configurationStaleness: .milliseconds(250))

    @Test(arguments: [("deployment.json", json), ("deployment.yaml", yaml), ("deployment.yml", yaml)])
    func aFileGivesEverySetting(name: String, text: String) async throws {
        let directory = try Scratch()
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory.path(name)))
        let settings = try await DeploymentSettings.read(file: directory.path(name), environment: [:])
        #expect(settings == Self.expected)
        let urls = try settings.urls()
        #expect(urls.url(for: .configuration) == "postgres://app:hunter2@db:5432/idp")
        #expect(urls.url(for: .keyMaterial) == "file:/etc/idp/keys")
        #expect(try settings.configurationCache()?.maximumStaleness == .milliseconds(250))
    }

    @Test func environmentVariablesUseSwiftConfigurationsNames() throws {
        let environment = ["IDENTITYSTORAGE_STORE": "postgres://app:hunter2@db:5432/idp", "IDENTITYSTORAGE_KEY_STORE": "file:/etc/idp/keys",
                           "IDENTITYSTORAGE_CACHE_STORE": "redis://cache:6379/0", "IDENTITYSTORAGE_CACHE_CONFIGURATION": "true",
                           "IDENTITYSTORAGE_CONFIGURATION_STALENESS": "250", "IDENTITYSTORAGE_OPERATIONAL_STORE": ""]
        let settings = try DeploymentSettings(configReader: ConfigReader(provider: DeploymentSettings.environmentProvider(environment)))
        #expect(settings == Self.expected, "an empty variable is unset, as IDSTORE_* ones are")
    }

    @Test func theFirstProviderThatHasAKeyWins() async throws {
        let directory = try Scratch()
        try Data(Self.json.utf8).write(to: URL(fileURLWithPath: directory.path("deployment.json")))
        let reader = ConfigReader(providers: [
            InMemoryProvider(values: ["identitystorage.store": "sqlite:flag.db"]),
            DeploymentSettings.environmentProvider(["IDENTITYSTORAGE_STORE": "sqlite:env.db", "IDENTITYSTORAGE_KEY_STORE": "file:/env/keys"]),
            try await DeploymentSettings.fileProvider(path: directory.path("deployment.json")),
        ])
        let settings = try DeploymentSettings(configReader: reader)
        #expect(settings.store == "sqlite:flag.db")
        #expect(settings.overrides == [.keyMaterial: "file:/env/keys", .distributedCache: "redis://cache:6379/0"])
        #expect(settings.configurationStaleness == .milliseconds(250))
        // `read` puts the environment above the file.
        let read = try await DeploymentSettings.read(file: directory.path("deployment.json"), environment: ["IDENTITYSTORAGE_STORE": "sqlite:env.db"])
        #expect(read.store == "sqlite:env.db" && read.overrides[.keyMaterial] == "file:/etc/idp/keys")
    }

    @Test func aScopeOfTheCallersChoiceOrNone() throws {
        let reader = ConfigReader(provider: InMemoryProvider(values: ["idp.storage.store": "memory:", "store": "sqlite:root.db"]))
        #expect(try DeploymentURLs(configReader: reader, scope: "idp.storage") == DeploymentURLs(store: "memory:"))
        #expect(try DeploymentURLs(configReader: reader, scope: []) == DeploymentURLs(store: "sqlite:root.db"))
    }

    @Test func keysAreTheOptionsInCamelCase() {
        #expect(DeploymentConfigKey.allCases.map { $0.name(in: DeploymentConfigKey.defaultScope) } == [
            "identitystorage.store", "identitystorage.configurationStore", "identitystorage.keyStore", "identitystorage.operationalStore",
            "identitystorage.cacheStore", "identitystorage.cacheConfiguration", "identitystorage.configurationStaleness",
        ])
        #expect(DeploymentPart.allCases.map { DeploymentConfigKey.url(of: $0).part } == DeploymentPart.allCases)
        #expect(DeploymentConfigKey.allCases.filter(\.isStoreURL).count == 5)
    }

    @Test func nothingSetIsNoStoreUnlessTheCallerHasADefault() throws {
        let settings = try DeploymentSettings(configReader: ConfigReader(provider: InMemoryProvider(values: [:])))
        #expect(settings == DeploymentSettings())
        #expect(try settings.urls(defaultStore: "memory:") == DeploymentURLs(store: "memory:"))
        #expect(try settings.configurationCache() == nil)
        let error = try #require(throws: IdentityStorageError.self) { try settings.urls() }
        #expect(error.code == .invalidArgument && error.message.contains("identitystorage.store"), "\(error)")
    }
}
