import Configuration
import Foundation
import IdentityStorage
import IdentityStorageConfigReader
import ServerTestSupport
import Synchronization
import Testing

/// Bad values get the typed error a bad URL or flag gets, naming the key; a password read from configuration shows
/// in no error, description, dump or access report.
@Suite("Deployment settings: errors and redaction")
struct DeploymentSettingsErrorTests {
    static let password = "hunter2"

    @Test(arguments: [
        (["identitystorage.store": "//app:hunter2@db/idp"] as [AbsoluteConfigKey: ConfigValue], "'identitystorage.store': store URL '//app:***@db/idp' has no scheme"),
        (["identitystorage.store": "postgres://db/idp?password=hunter2&sslmode=%zz"], "'identitystorage.store': store URL 'postgres://db/idp?password=***&sslmode=%zz'"),
        (["identitystorage.keyStore": "postgres://app:hunter2@:5432/db"], "'identitystorage.keyStore': store URL 'postgres://app:***@:5432/db' has an empty host"),
        (["identitystorage.cacheStore": "redis://app:hunter2@h:99999/0"], "'identitystorage.cacheStore': store URL 'redis://app:***@h:99999/0'"),
        (["identitystorage.store": 5432], "'identitystorage.store' must be a store URL"),
        (["identitystorage.operationalStore": .init(.stringArray(["postgres://app:hunter2@db/idp"]), isSecret: false)],
         "'identitystorage.operationalStore' must be a store URL"),
        (["identitystorage.cacheConfiguration": "sometimes"], "'identitystorage.cacheConfiguration' must be true or false"),
        (["identitystorage.configurationStaleness": "soon"], "'identitystorage.configurationStaleness' must be a whole number of milliseconds"),
        (["identitystorage.configurationStaleness": 5], "'identitystorage.configurationStaleness' must be at least 20 ms"),
    ])
    func aBadValueIsAnInvalidArgumentNamingItsKey(values: [AbsoluteConfigKey: ConfigValue], expected: String) throws {
        let error = try #require(throws: IdentityStorageError.self) {
            try DeploymentSettings(configReader: ConfigReader(provider: InMemoryProvider(values: values)))
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains(expected), "\(error)")
        #expect(!"\(error)".contains(Self.password), "password in \(error)")
    }

    @Test func aStalenessWithoutTheCacheIsRefused() throws {
        let settings = try DeploymentSettings(configReader: ConfigReader(provider: InMemoryProvider(values: [
            "identitystorage.configurationStaleness": 100,
        ])))
        let error = try #require(throws: IdentityStorageError.self) { try settings.configurationCache() }
        #expect(error.code == .invalidArgument && error.message.contains("needs cacheConfiguration"), "\(error)")
    }

    @Test(arguments: [
        ("deployment.toml", "store = 'memory:'", "has neither a .json nor a .yaml"),
        ("missing.json", nil, "cannot be read"),
        ("bad.json", #"{"identitystorage": {"store": "postgres://app:hunter2@db/idp",}"#, "cannot be read"),
        ("bad.yaml", "identitystorage:\n  store: postgres://app:hunter2@db/idp\n  keyStore: [unclosed\n", "cannot be read"),
        ("list.json", #"["postgres://app:hunter2@db/idp"]"#, "cannot be read"),
    ] as [(String, String?, String)])
    func aFileThatCannotBeReadIsAnInvalidArgument(name: String, text: String?, expected: String) async throws {
        let directory = try Scratch()
        if let text { try Data(text.utf8).write(to: URL(fileURLWithPath: directory.path(name))) }
        let error = try await #require(throws: IdentityStorageError.self) {
            try await DeploymentSettings.read(file: directory.path(name), environment: [:])
        }
        #expect(error.code == .invalidArgument && error.message.contains(expected) && error.message.contains(directory.path(name)), "\(error)")
        #expect(!"\(error)".contains(Self.password), "password in \(error)")
    }

    @Test func descriptionsDumpsAndProvidersShowNoPassword() async throws {
        let directory = try Scratch()
        try Data(DeploymentSettingsTests.json.utf8).write(to: URL(fileURLWithPath: directory.path("deployment.json")))
        let settings = try await DeploymentSettings.read(file: directory.path("deployment.json"),
                                                         environment: ["IDENTITYSTORAGE_OPERATIONAL_STORE": "postgres://ops:hunter2@db/ops"])
        let urls = try settings.urls()
        #expect(settings.overrides[.operationalData] == "postgres://ops:hunter2@db/ops", "the value itself is kept for the driver")
        var dumped = ""
        dump(settings, to: &dumped)
        dump(urls, to: &dumped)
        let shown = [settings.description, String(reflecting: settings), "\(urls)", String(reflecting: urls), dumped,
                     String(reflecting: DeploymentSettings.environmentProvider(["IDENTITYSTORAGE_STORE": "postgres://app:hunter2@db/idp",
                                                                                "DATABASE_URL": "postgres://app:hunter2@db/other"]))]
        for text in shown {
            #expect(!text.contains(Self.password), "password in \(text)")
        }
        #expect(settings.description.contains("store=postgres://app:***@db:5432/idp") && "\(urls)".contains("operationalData=postgres://ops:***@db/ops"),
                "\(settings) / \(urls)")
    }

    @Test func storeURLsAreReadAsSecrets() throws {
        let events = AccessEvents()
        let reader = ConfigReader(provider: InMemoryProvider(values: ["identitystorage.store": "postgres://app:hunter2@db/idp",
                                                                      "identitystorage.cacheConfiguration": true]),
                                  accessReporter: events)
        _ = try DeploymentSettings(configReader: reader)
        let read = events.values.filter { $0.key.components.last == "store" || $0.key.components.last == "cacheConfiguration" }
        #expect(read.contains { $0.key.components.last == "store" && $0.isSecret == true }, "\(read)")
        #expect(read.contains { $0.key.components.last == "cacheConfiguration" && $0.isSecret == false }, "\(read)")
        #expect(!read.contains { $0.key.components.last == "store" && $0.isSecret == false }, "a store URL was reported as not secret: \(read)")
    }
}

/// What swift-configuration reports of each read: the key and whether its value was a secret (nil when none was found).
private final class AccessEvents: AccessReporter {
    private let events = Mutex<[(key: AbsoluteConfigKey, isSecret: Bool?)]>([])

    func report(_ event: AccessEvent) {
        let isSecret = (try? event.result.get())??.isSecret
        events.withLock { $0.append((event.metadata.key, isSecret)) }
    }

    var values: [(key: AbsoluteConfigKey, isSecret: Bool?)] { events.withLock { $0 } }
}
