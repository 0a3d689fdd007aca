import Foundation
import IdentityStorage
import Logging
import ServerTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// A server's shutdown: the store and the cleanup service in one `ServiceGroup`, shut down gracefully while callers
/// are mid-workload and a cleanup pass is deleting.
@Suite("Graceful shutdown in a ServiceGroup")
struct ServiceGroupTests {
    // The hang guard counts from when the test holds the server's gate; the time limit is the last resort.
    @Test(.timeLimit(.minutes(30)), arguments: TestBackend.allCases)
    func gracefulShutdownFinishesTheBatchClosesEveryConnectionAndHangsNothing(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_shutdown") else { return }
        try await ServerGate.sharing(store: observed.url) {
            try await withHangGuard(.seconds(300), "\(backend): the workload and the graceful shutdown") {
                try await Self.workloadThenGracefulShutdown(observed, backend)
            }
        }
    }

    /// 16 callers storing grants and a cleanup pass deleting, in one `ServiceGroup` with the store, shut down gracefully.
    private static func workloadThenGracefulShutdown(_ observed: ObservedStore, _ backend: TestBackend) async throws {
        let stores = observed.store.makeStores()
        let prefix = uniqueName("shutdown-")
        // Enough for 20 batches, so that the shutdown comes mid-pass; few, so that seeding is quick on a loaded machine.
        let batchSize = 10
        for index in 0..<(20 * batchSize) { try await stores.grants.storeGrant(observedGrant("\(prefix)-expired-\(index)", expired: true)) }

        let batches = Shared(0)
        let lastPass = Shared<CleanupRunner.Report?>(nil)
        let cleanup = CleanupService(
            stores: stores,
            configuration: .init(interval: .seconds(3600), runner: .init(batchSize: batchSize, pace: try .dutyCycle(0.5)), startsImmediately: true),
            observability: observed.kits.observability(),
            observer: .init(progress: { _ in batches.update { $0 += 1 } }, passFinished: { report in lastPass.update { $0 = report } }))
        let group = ServiceGroup(services: [observed.store, cleanup], logger: observed.kits.observability().logger)

        let stop = Shared(false)
        let outcomes = Shared<(completed: Int, typed: [String: Int], other: [String])>((0, [:], []))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for caller in 0..<16 {
                tasks.addTask {
                    var index = 0
                    while !stop.current {
                        do {
                            try await stores.grants.storeGrant(observedGrant("\(prefix)-\(caller)-\(index)"))
                            outcomes.update { $0.completed += 1 }
                        } catch let error as IdentityStorageError {
                            outcomes.update { $0.typed[error.code.telemetryName, default: 0] += 1 }
                            if error.code == .unavailable { return }
                        } catch {
                            outcomes.update { $0.other.append("\(error)") }
                            return
                        }
                        index += 1
                        // The memory store answers without suspending: without a pause, 16 callers would hold both of
                        // the cooperative pool's threads (a yield only lets them take turns) and every other test would wait.
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                }
            }
            while batches.current < 3 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            // The group returns once the cleanup pass stopped and the store closed; callers then fail fast.
            try await Task.sleep(for: .seconds(1))
            stop.update { $0 = true }
            try await tasks.waitForAll()
        }
        let (completed, typed, other) = outcomes.update { $0 }
        #expect(completed > 0, "\(backend): the callers made progress before the shutdown")
        #expect(other.isEmpty, "\(backend): untyped errors: \(other.prefix(3))")
        #expect(Set(typed.keys).isSubset(of: ["unavailable"]), "\(backend): \(typed)")
        let report = try #require(lastPass.current, "\(backend): the cleanup pass did not finish")
        #expect(report.stopped && report.batches >= 3 && report.expiredGrants == report.batches * batchSize,
                "\(backend): the pass stopped after whole batches: \(report)")
        if observed.hasPool {
            let open = observed.kits.poolGauges("identitystorage_pool_connections")
            #expect(!open.isEmpty && open.values.allSatisfy { $0 == 0 }, "\(backend): connections left open: \(open)")
        }
    }
}
