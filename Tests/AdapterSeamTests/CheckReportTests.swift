import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import IdentityStorageOpener
import IdentityStorageTool
import ServerTestSupport
import Testing

/// `idstore check --junit`, `--json` and `--timeout`, read back by real JUnit consumers (Scripts/verify-junit.py).
@Suite("check reports")
struct CheckReportTests {
    static let drivers: [any IdentityStorageDriver] = .builtIn + [BrokenDriver()]

    /// Runs `check` with `--junit` and `--json` and has junitparser and junit2html read the report back.
    static func checkAndVerify(_ arguments: [String]) async throws -> (run: ToolRun, verified: Bool) {
        let directory = try Scratch()
        let (report, lines) = (directory.path("report.xml"), directory.path("run.jsonl"))
        let run = await ToolRun.run(["check", "--junit", report, "--json"] + arguments, drivers: drivers)
        try Data(run.stdout.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: lines))
        let verifier = PackagePaths.file("Scripts/verify-junit.py")
        let (status, text) = try await shell("python3", [verifier, report, lines])
        if text.contains("No module named") {
            let message = "junitparser and junit2html are not installed (Scripts/install-packages.sh installs them): \(text)"
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record(Comment(rawValue: message)) } else { print("CheckReportTests: not verified: \(message)") }
            return (run, false)
        }
        #expect(status == 0, "\(text)")
        return (run, true)
    }

    @Test func failuresAndSkipsReadBack() async throws {
        let (run, _) = try await Self.checkAndVerify(["--store", "broken:", "--filter", "clients."])
        #expect(run.status == 1, "\(run)")
        let summary = try #require(run.stdout.last.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: [String: Any]])
        #expect((summary["summary"]?["failed"] as? Int ?? 0) > 0 && (summary["summary"]?["skipped"] as? Int ?? 0) == 2, "\(summary)")
    }

    @Test(arguments: ["memory:", "sqlite::memory:", "postgres", "mariadb", "redis", "redis-cluster"])
    func everyBackendsReportReadsBack(_ store: String) async throws {
        let url = switch store {
        case "postgres": TestServerURL.postgres
        case "mariadb": TestServerURL.mariadb
        case "redis": TestServerURL.redis
        case "redis-cluster": TestServerURL.redisCluster
        default: store
        }
        guard await DeploymentTests.serversAnswer(url.hasSuffix(":") ? [] : [url]) else { return }
        // Fault tests restart the servers: hold the server's gate shared meanwhile.
        let run = try await ServerGate.sharing(store: url) { try await Self.checkAndVerify(["--store", url, "--filter", "grants.filter."]).run }
        #expect(run.status == 0, "\(run)")
    }

    @Test func aCaseOverItsTimeoutFailsAndTheRunGoesOn() async throws {
        let run = await ToolRun.run(["check", "--json", "--timeout", "0.5", "--store", "broken:", "--filter", "grants.store.upsert"],
                                    drivers: Self.drivers)
        let results = run.stdout.dropLast().compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(results.count > 1 && results.allSatisfy { ($0["message"] as? String)?.contains("timed out after") == true }, "\(run)")
        #expect(run.status == 1)
    }
}

/// Memory stores that get things wrong: every client read finds nothing, every grant upsert hangs until cancelled,
/// and no damage ability (the corrupted-data cases are skipped).
struct BrokenDriver: IdentityStorageDriver {
    var name: String { "broken" }
    var schemes: [String] { ["broken"] }
    var urlForms: [String] { ["broken:"] }

    func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
        Backend(memory: MemoryIdentityStorage(configuration: .init(clock: options.clock)))
    }

    struct Backend: IdentityStorageBackend {
        let memory: MemoryIdentityStorage

        func makeStores(clock: (any WallClock)?) -> IdentityStores {
            var stores = memory.makeStores(clock: clock)
            stores.clients = ForgetfulClients(base: stores.clients)
            stores.grants = HangingGrants(base: stores.grants)
            return stores
        }

        func schemaVersion() async throws -> Int? { nil }
        func close() async {}
    }

    struct ForgetfulClients: ClientStore {
        let base: any ClientStore
        func client(withId clientId: String) async throws -> Client? { nil }
        func saveClient(_ client: Client) async throws { try await base.saveClient(client) }
        func deleteClient(withId clientId: String) async throws -> Bool { try await base.deleteClient(withId: clientId) }
        func listClients(after cursor: String?, limit: Int) async throws -> ClientPage { try await base.listClients(after: cursor, limit: limit) }
        func isOriginAllowed(_ origin: String) async throws -> Bool { try await base.isOriginAllowed(origin) }
    }

    struct HangingGrants: PersistedGrantStore {
        let base: any PersistedGrantStore
        func storeGrant(_ grant: PersistedGrant) async throws { try await Task.sleep(for: .seconds(3600)) }
        func grant(forKey key: String) async throws -> PersistedGrant? { try await base.grant(forKey: key) }
        func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] { try await base.grants(matching: filter) }
        func removeGrant(forKey key: String) async throws -> Bool { try await base.removeGrant(forKey: key) }
        func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int { try await base.removeGrants(matching: filter) }
        func takeGrant(forKey key: String) async throws -> PersistedGrant? { try await base.takeGrant(forKey: key) }
        func consumeGrant(forKey key: String) async throws -> PersistedGrant? { try await base.consumeGrant(forKey: key) }
    }
}
