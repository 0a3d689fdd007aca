import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMariaDB
import IdentityStorageMemory
import IdentityStorageOpener
import IdentityStoragePostgres
import IdentityStorageRedis
import IdentityStorageSQLite
import IdentityStorageTool
import ServerTestSupport
import Testing

/// The seam as an adapter author outside this package meets it: public API only.
@Suite("Adapter seam")
struct AdapterSeamTests {
    static let drivers: [any IdentityStorageDriver] = .builtIn + [AcmeDriver()]

    @Test func anOutsideDriverOpensByURL() async throws {
        let opener = StoreOpener(drivers: Self.drivers)
        #expect(opener.schemes.last == "acme")
        let store = try await opener.open(url: "acme:?message_sliding_expiration=10m")
        #expect(store.backend is AcmeBackend)
        #expect(store.driver.name == "Acme")
        #expect(try await store.schemaVersion() == 7)
        let grant = PersistedGrant(key: "k", type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "d")
        try await store.makeStores().grants.storeGrant(grant)
        #expect(try await store.makeStores(clock: ManualWallClock()).grants.grant(forKey: "k") == grant, "every set of stores shares the data")
        await store.close()
    }

    @Test func theConfigurationCacheNeedsAChangeChannel() async throws {
        let opener = StoreOpener(drivers: Self.drivers)
        let options = StoreOpenOptions(configurationCache: ConfigurationCache.Configuration())
        await #expect { try await opener.open(url: "acme:", options: options) } throws: { error in
            (error as? IdentityStorageError)?.message.contains("(Acme) has no configuration change channel") == true
        }
        // In a deployment only the store holding the configuration needs one: Acme holding grants is fine.
        let deployment = try await opener.openDeployment(DeploymentURLs(store: "acme:", configuration: "memory:"), options: options)
        #expect(deployment.store(for: .configuration).configurationCache != nil)
        #expect(deployment.store(for: .operationalData).configurationCache == nil)
        await deployment.close()
    }

    @Test func badURLsNameWhatTheDriversTake() async throws {
        let opener = StoreOpener(drivers: Self.drivers)
        await #expect { try await opener.open(url: "ftp://host") } throws: { error in
            let message = (error as? IdentityStorageError)?.message ?? ""
            return message.contains("unknown store URL scheme 'ftp'") && message.contains("sqlite, postgres") && message.contains("acme")
        }
        await #expect { try await opener.open(url: "acme:?colour=blue") } throws: { error in
            let message = (error as? IdentityStorageError)?.message ?? ""
            return message.contains("'colour'") && message.contains("Acme takes message_sliding_expiration")
        }
        await #expect { try await opener.open(url: "postgres://u:hunter2@h/db?pool_size=2&colour=blue") } throws: { error in
            let message = String(describing: error)
            return message.contains("'colour'") && message.contains("pool_size") && !message.contains("hunter2")
        }
    }

    @Test func theLaterDriverOfASchemeWins() async throws {
        struct Replacement: IdentityStorageDriver {
            var name: String { "replacement" }
            var schemes: [String] { ["memory"] }
            var urlForms: [String] { ["memory:"] }
            func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
                AcmeBackend(memory: MemoryIdentityStorage())
            }
        }
        let store = try await StoreOpener(drivers: .builtIn + [Replacement()]).open(url: "memory:")
        #expect(store.driver.name == "replacement")
    }

    @Test func theToolLibraryChecksAnOutsideAdapterWithEveryCase() async throws {
        // Acme predates refresh-token families: it keeps compiling (the new requirements have defaults), passes every
        // other case, and the run names each family case it lacks, with the reason.
        let run = await ToolRun.run(["check", "--quiet", "--store", "acme:"], drivers: Self.drivers)
        let lacking = ConformanceSuite.cases.filter { $0.requirements.contains(.refreshTokenFamilies) }
        #expect(!lacking.isEmpty)
        let passed = ConformanceSuite.cases.count - lacking.count
        #expect(run.status == 0 && run.stdout.contains { $0.contains(" \(passed) passed, 0 failed, \(lacking.count) skipped in ") }, "\(run)")
        for testCase in lacking {
            #expect(run.stdout.contains { $0.hasPrefix(testCase.name + " ") && $0.contains("skipped") && $0.contains("lacks refresh-token families") },
                    "\(testCase.name) not reported as skipped: \(run)")
        }
    }

    @Test func aGrantStoreWrittenBeforeFamiliesRefusesThemAsUnsupported() async throws {
        let store = try await StoreOpener(drivers: Self.drivers).open(url: "acme:")
        let grants = store.makeStores().grants
        let token = PersistedGrant(key: "t", type: PersistedGrantType.refreshToken, clientId: "c", creationTime: Date(), data: "{}")
        var successor = token
        successor.key = "u"
        await #expect { _ = try await grants.rotateRefreshToken(presented: "t", successor: successor, policy: .strict) } throws: { error in
            (error as? IdentityStorageError)?.code == .unsupported
        }
        await #expect { _ = try await grants.removeFamily("t") } throws: { error in (error as? IdentityStorageError)?.code == .unsupported }
        await store.close()
    }

    @Test func theToolLibraryRunsEveryCommandOnAnOutsideAdapter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("seam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let migrate = await ToolRun.run(["migrate", "--store", "acme:"], drivers: Self.drivers)
        #expect(migrate.status == 0 && migrate.stdout == ["acme: schema version 7"], "\(migrate)")
        let cleanup = await ToolRun.run(["cleanup", "--store", "acme:"], drivers: Self.drivers)
        #expect(cleanup.status == 0 && cleanup.stdout.first?.hasPrefix("acme: removed 0 rows in 0 batches (") == true, "\(cleanup)")
        let document = directory.appendingPathComponent("configuration.json").path
        try Data(#"{"clients": [{"clientId": "web"}]}"#.utf8).write(to: URL(fileURLWithPath: document))
        let imported = await ToolRun.run(["import", "--store", "acme:", document], drivers: Self.drivers)
        #expect(imported.status == 0 && imported.stdout.first?.hasPrefix("acme: imported 1 items") == true, "\(imported)")
        let exported = await ToolRun.run(["export", "--store", "acme:"], drivers: Self.drivers)
        #expect(exported.status == 0 && exported.stdout.joined().contains("\"clients\""), "\(exported)")
        let bench = await ToolRun.run(["bench", "--store", "acme:", "--workload", "grant-get", "--operations", "20", "--warmup", "0",
                                       "--dataset", "50", "--concurrency", "1", "--json"], drivers: Self.drivers)
        #expect(bench.status == 0 && bench.stdout.contains { $0.contains("\"workload\":\"grant-get\"") && $0.contains("\"wakeUpP50Micros\":") }, "\(bench)")
    }

    @Test func errorsAreOneLine() async throws {
        for arguments in [["migrate", "--store", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2"], ["migrate", "--store", "nope"],
                          ["check", "--store", "acme:", "--filter", "no-such-case"], ["migrate", "--bogus"]] {
            let run = await ToolRun.run(arguments, drivers: Self.drivers)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.count == 1 && run.stderr[0].hasPrefix("idstore: error: "), "\(arguments): \(run)")
            #expect(!run.stderr.joined().contains("hunter2"))
        }
    }

    @Test func noConfigurationShowsItsPassword() throws {
        let secret = "Sup3r-Secret"
        var postgres = PostgresIdentityStorage.Configuration(host: "db", user: "app", password: secret, database: "idp")
        postgres.parameters = [("sslpassword", secret)]
        var redis = RedisIdentityStorage.Configuration(endpoints: [.init(host: "cache")])
        redis.user = "app"
        redis.password = secret
        let shown: [Any] = [
            postgres, try PostgresIdentityStorage.Configuration(url: StoreURL(parsing: "postgres://app:\(secret)@db/idp")),
            MariaDBIdentityStorage.Configuration(host: "db", user: "app", password: secret, database: "idp"),
            try MariaDBIdentityStorage.Configuration(url: StoreURL(parsing: "mysql://app:\(secret)@db/idp")),
            redis, try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis-cluster://app:\(secret)@a:1,b:2")),
            SQLiteIdentityStorage.Configuration(path: "x.db"), MemoryIdentityStorage.Configuration(),
            try StoreURL(parsing: "redis://app:\(secret)@cache/0?password=\(secret)"),
        ]
        for value in shown {
            var dumped = ""
            dump(value, to: &dumped)
            for text in [dumped, String(reflecting: value), String(describing: value), "\([value])"] {
                #expect(!text.contains(secret), "\(type(of: value)) shows its password: \(text)")
            }
        }
    }
}
