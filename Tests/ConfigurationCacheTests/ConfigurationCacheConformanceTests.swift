import IdentityStorage
import IdentityStorageConformance
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// `idstore check --cache-configuration`: the whole suite with every configuration read through the cache, on every
/// backend (`file:` holding the configuration of a deployment whose other parts are in SQLite).
@Suite("Conformance with the configuration cache")
struct ConfigurationCacheConformanceTests {
    @Test(arguments: CachedBackend.allCases)
    func theSuitePassesWithTheCacheOn(_ backend: CachedBackend) async throws {
        var arguments = ["check", "--cache-configuration"]
        switch backend {
        case .file:
            arguments += ["--store", "sqlite:" + CachedInstances.scratch.path(uniqueName("check") + ".db"),
                          "--configuration-store", "file:" + CachedInstances.scratch.path(uniqueName("check") + ".json")]
        case .memory:
            arguments += ["--store", "memory:"]
        default:
            guard let server = backend.testBackend, try await CachedInstances.stores.store(server) != nil else { return }
            arguments += ["--store", withSmallPool(try await CachedInstances.stores.url(server))]
        }
        let run = await ServerGate.sharing(store: arguments.last!) { await ToolRun.run(arguments, drivers: .builtIn) }
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }
}
