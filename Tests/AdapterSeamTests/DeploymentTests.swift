import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import IdentityStorageOpener
import IdentityStorageTool
import ServerTestSupport
import Synchronization
import Testing

/// Deployments mixed by data kind, through the tool library as a user runs them.
@Suite("Mixed deployments")
struct DeploymentTests {
    static let drivers: [any IdentityStorageDriver] = .builtIn

    static var postgres: String { TestServerURL.postgres }
    static var mariadb: String { TestServerURL.mariadb }
    static var redis: String { TestServerURL.redis }
    static var redisCluster: String { TestServerURL.redisCluster }

    /// Runs `check` on a deployment, holding the gates of the servers it uses shared (fault tests restart them).
    static func check(_ arguments: [String], servers: ArraySlice<ServerGate>) async -> ToolRun {
        guard let gate = servers.first else { return await ToolRun.run(["check", "--quiet"] + arguments, drivers: drivers) }
        return await gate.shared { await check(arguments, servers: servers.dropFirst()) }
    }

    /// Whether the servers answer; under `CI=true` a missing one is a failure, otherwise the test says it did not run.
    static func serversAnswer(_ urls: [String], _ test: String = #function) async -> Bool {
        for url in urls {
            do {
                let store = try await StoreOpener(drivers: drivers).open(url: url)
                await store.close()
            } catch {
                if ProcessInfo.processInfo.environment["CI"] == "true" {
                    Issue.record("\(test): \(url) does not answer (\(error)); CI must start it with Scripts/services.sh start")
                } else {
                    print("DeploymentTests: \(test) not run: \(url) does not answer; start it with Scripts/services.sh start")
                }
                return false
            }
        }
        return true
    }

    @Test func configurationAndKeysInFilesTheRestInMemory() async throws {
        let directory = try Scratch()
        let run = await Self.check(["--store", "memory:", "--configuration-store", "file:\(directory.path("configuration.json"))",
                                    "--key-store", "file:\(directory.path("keys"))"], servers: [])
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }

    @Test func postgresWithOperationalDataInRedisAndTheCacheInACluster() async throws {
        guard await Self.serversAnswer([Self.postgres, Self.redis, Self.redisCluster]) else { return }
        let run = await Self.check(["--store", Self.postgres, "--operational-store", Self.redis, "--cache-store", Self.redisCluster],
                                   servers: [.postgres, .redis, .redisCluster])
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }

    @Test func mariaDBWithKeysInFilesAndTheCacheInRedis() async throws {
        guard await Self.serversAnswer([Self.mariadb, Self.redis]) else { return }
        let directory = try Scratch()
        let run = await Self.check(["--store", Self.mariadb, "--key-store", "file:\(directory.path("keys"))", "--cache-store", Self.redis],
                                   servers: [.mariadb, .redis])
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }

    @Test func cleanupCleansEachPartAndReportsItUnderItsStore() async throws {
        let directory = try Scratch()
        let (operational, cache) = ("sqlite:\(directory.path("operational.db"))", "sqlite:\(directory.path("cache.db"))")
        let urls = DeploymentURLs(store: operational, distributedCache: cache)
        let deployment = try await StoreOpener(drivers: Self.drivers).openDeployment(urls)
        let stores = deployment.makeStores()
        let past = Date().addingTimeInterval(-3600).roundedToStoragePrecision
        for index in 0..<3 {
            try await stores.grants.storeGrant(PersistedGrant(key: "expired-\(index)", type: "t", clientId: "c", creationTime: past,
                                                              expiration: past.addingTimeInterval(60), data: "d"))
        }
        for index in 0..<2 { try await stores.cache.set("entry-\(index)", value: [1], options: .relative(0.001)) }
        try await Task.sleep(for: .milliseconds(20))
        await deployment.close()
        let arguments = ["--store", operational, "--cache-store", cache]
        let cleanup = await ToolRun.run(["cleanup"] + arguments, drivers: Self.drivers)
        #expect(cleanup.status == 0, "\(cleanup)")
        #expect(cleanup.stdout.first?.hasPrefix("operational data at \(operational): removed 3 rows") == true, "\(cleanup)")
        #expect(cleanup.stdout.contains { $0.contains("expired grants") && $0.hasSuffix(" 3") }, "\(cleanup)")
        #expect(cleanup.stdout.last == "distributed cache at \(cache): removed 2 cache entries", "\(cleanup)")
        let migrate = await ToolRun.run(["migrate"] + arguments, drivers: Self.drivers)
        #expect(migrate.stdout == ["\(operational): schema version 3 (configuration, key material, operational data)",
                                   "\(cache): schema version 3 (distributed cache)"], "\(migrate)")
        let bench = await ToolRun.run(["bench", "--workload", "grant-get", "cache-get", "--operations", "20", "--warmup", "0", "--dataset", "50",
                                       "--concurrency", "1", "--json", "--raw"] + arguments, drivers: Self.drivers)
        #expect(bench.status == 0 && bench.stdout.filter { $0.contains("\"workload\"") }.count == 2, "\(bench)")
        #expect(bench.stdout.contains { $0.contains("\"grant-get\"") && $0.contains("\"raw\"") }, "the operational store's raw baseline: \(bench)")
    }

    @Test func importAndExportUseTheConfigurationPart() async throws {
        let directory = try Scratch()
        let document = directory.path("configuration.json")
        let source = directory.path("import.json")
        try Data(#"{"clients": [{"clientId": "web", "allowedCorsOrigins": ["https://app.example"]}]}"#.utf8).write(to: URL(fileURLWithPath: source))
        let arguments = ["--store", "memory:", "--configuration-store", "file:\(document)"]
        let imported = await ToolRun.run(["import", source] + arguments, drivers: Self.drivers)
        #expect(imported.status == 0 && imported.stdout.first?.hasPrefix("file:\(document): imported 1 items") == true, "\(imported)")
        // The document is the export format: exporting it gives it back, and it imports anywhere.
        let exported = await ToolRun.run(["export"] + arguments, drivers: Self.drivers)
        let stored = try ConfigurationDocument(json: try Data(contentsOf: URL(fileURLWithPath: document)))
        #expect(try ConfigurationDocument(json: Data(exported.stdout.joined(separator: "\n").utf8)) == stored)
        #expect(stored.clients.map(\.clientId) == ["web"])
    }

    @Test(arguments: [
        (["--store", "file:DIR/configuration.json"], "cannot hold key material, operational data, distributed cache"),
        (["--store", "memory:", "--configuration-store", "file:DIR/keys"], "cannot hold configuration; it holds key material"),
        (["--store", "memory:", "--key-store", "file:DIR/bad.json"], "cannot hold key material; it holds configuration"),
        (["--store", "memory:", "--configuration-store", "file:DIR/missing/configuration.json"], "does not exist"),
        (["--store", "memory:", "--configuration-store", "file:DIR/bad.json"], "(line 3, column"),
        (["--store", "memory:", "--configuration-store", "file:DIR/unknown.json"], "unknown property 'colour'"),
        (["--store", "memory:", "--configuration-store", "file:DIR/invalid.json"], "redirectUris must not contain an empty string"),
        (["--store", "memory:", "--configuration-store", "file:DIR/dir.json"], "is a directory"),
        (["--store", "memory:", "--key-store", "file:DIR/file-keys"], "is a file; key material lives in a directory"),
    ])
    func badFilesAndPartsGiveOneLineAndChangeNothing(arguments: [String], expected: String) async throws {
        let directory = try Scratch()
        try FileManager.default.createDirectory(atPath: directory.path("keys"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path("dir.json"), withIntermediateDirectories: true)
        let files = ["bad.json": "{\n  \"clients\": [\n    {\"clientId\": x}\n  ]\n}\n",
                     "unknown.json": #"{"clients": [{"clientId": "a", "colour": 1}]}"#,
                     "invalid.json": #"{"clients": [{"clientId": "a", "redirectUris": [""]}]}"#,
                     "file-keys": "not a directory"]
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: directory.path(name))) }
        let before = try Self.listing(directory)
        let run = await ToolRun.run(["migrate"] + arguments.map {
            $0.replacingOccurrences(of: "DIR", with: directory.directory)
        }, drivers: Self.drivers)
        #expect(run.status == 1 && run.stderr.count == 1 && run.stderr[0].contains(expected), "\(run)")
        #expect(try Self.listing(directory) == before, "a refused deployment changed the files")
    }

    @Test func anUnwritablePathIsRefused() async throws {
        let directory = try Scratch()
        let document = directory.path("configuration.json")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: document))
        // Root writes anywhere, except to an immutable file.
        guard try await Self.makeUnwritable(document) else {
            print("DeploymentTests: anUnwritablePathIsRefused not run: this file system cannot make a file unwritable for root (chattr)")
            return
        }
        let run = await ToolRun.run(["migrate", "--store", "memory:", "--configuration-store", "file:\(document)"], drivers: Self.drivers)
        #expect(run.status == 1 && run.stderr.count == 1 && run.stderr[0].contains("is not writable (give read_only=true"), "\(run)")
        let readOnly = await ToolRun.run(["export", "--store", "memory:", "--configuration-store", "file:\(document)?read_only=true"],
                                         drivers: Self.drivers)
        #expect(readOnly.status == 0, "\(readOnly)")
        _ = try? await Self.chattr("-i", document)
    }

    static func makeUnwritable(_ path: String) async throws -> Bool {
        if geteuid() != 0 { return chmod(path, 0o444) == 0 }
        return try await chattr("+i", path)
    }

    /// Whether `chattr` is there and changed `path`'s attribute.
    static func chattr(_ change: String, _ path: String) async throws -> Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") else { return false }
        return try await shell("/usr/bin/chattr", [change, path]).status == 0
    }

    @Test func eachDistinctURLIsOpenedOnceAndClosedOnce() async throws {
        let counter = CountingDriver()
        let deployment = try await StoreOpener(drivers: [counter]).openDeployment(
            DeploymentURLs(store: "counted:a", keyMaterial: "counted:b", distributedCache: "counted:b"))
        #expect(deployment.stores.map(\.url.path) == ["a", "b"])
        #expect(deployment.store(for: .operationalData).url.path == "a" && deployment.store(for: .distributedCache).url.path == "b")
        #expect(deployment.description == "configuration=counted:a key material=counted:b operational data=counted:a distributed cache=counted:b")
        await deployment.close()
        #expect(counter.counts == (opened: 2, closed: 2))
    }

    /// Every name in the scratch directory with its contents, to see that nothing changed.
    static func listing(_ directory: Scratch) throws -> [String: Data] {
        var listing: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory.directory) {
            listing[name] = FileManager.default.contents(atPath: directory.path(name)) ?? Data()
        }
        return listing
    }
}

/// A driver that counts the backends it opened and closed.
final class CountingDriver: IdentityStorageDriver {
    private let state = Counter()
    var name: String { "counted" }
    var schemes: [String] { ["counted"] }
    var urlForms: [String] { ["counted:NAME"] }
    var counts: (opened: Int, closed: Int) { state.value }

    func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
        state.opened()
        return Backend(memory: MemoryIdentityStorage(), counter: state)
    }

    final class Counter: Sendable {
        private let counts = Mutex((opened: 0, closed: 0))
        var value: (opened: Int, closed: Int) { counts.withLock { $0 } }
        func opened() { counts.withLock { $0.opened += 1 } }
        func closed() { counts.withLock { $0.closed += 1 } }
    }

    struct Backend: IdentityStorageBackend {
        let memory: MemoryIdentityStorage
        let counter: Counter
        func makeStores(clock: (any WallClock)?) -> IdentityStores { memory.makeStores(clock: clock) }
        func schemaVersion() async throws -> Int? { nil }
        func close() async { counter.closed() }
    }
}
