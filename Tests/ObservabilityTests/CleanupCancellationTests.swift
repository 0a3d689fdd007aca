import Foundation
import IdentityStorage
import ServerTestSupport
import Testing

/// Cleanup cancelled while a batch runs, on every backend: what the server removed is what the caller is told, so the
/// report, the metrics and the log count every row that is gone. (On Redis a batch is many scripts; a caller that left
/// between two of them used to lose the rows the first ones removed.)
@Suite("Cancelled cleanup on every backend")
struct CleanupCancellationTests {
    /// Rows per round, all removed by one batch: on Redis that batch is some 140 commands, so the cancel lands in it.
    static let rows = 1_000

    @Test(arguments: TestBackend.allCases)
    func aPassCancelledMidwayReportsEveryRowItRemoved(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_cleanup_cancel_pass") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            let configuration = CleanupRunner.Configuration(batchSize: Self.rows, pace: .unlimited)
            // A store of this test's own: only what an earlier run of it left is expired there.
            _ = try await CleanupRunner(store: stores.cleanup, configuration: configuration).run()
            for round in 0..<3 {
                let (subject, first) = try await Self.seedExpiredGrants(stores, round: round)
                let pass = Task { try await CleanupRunner(store: stores.cleanup, configuration: configuration).run() }
                try await Self.cancelOnceTheBatchHasStarted(pass, removing: first, from: stores)
                let report: CleanupRunner.Report
                do {
                    report = try await pass.value
                } catch {
                    let left = try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: subject)).count
                    Issue.record("\(backend), round \(round): the cancelled pass threw \(error) after removing \(Self.rows - left) grants")
                    _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: subject))
                    continue
                }
                let left = try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: subject)).count
                #expect(report.expiredGrants == Self.rows - left, "\(backend), round \(round): reported \(report.expiredGrants), gone \(Self.rows - left)")
                if left > 0 { _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: subject)) }
            }
            await observed.store.close()
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aBatchCancelledMidwayReturnsEveryRowItRemoved(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_cleanup_cancel_batch") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            while try await !stores.cleanup.removeExpiredGrants(limit: Self.rows).isEmpty {}
            for round in 0..<3 {
                let (subject, first) = try await Self.seedExpiredGrants(stores, round: round)
                let batch = Task { try await stores.cleanup.removeExpiredGrants(limit: Self.rows) }
                try await Self.cancelOnceTheBatchHasStarted(batch, removing: first, from: stores)
                let outcome = await batch.result
                let left = try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: subject)).count
                switch outcome {
                case .success(let removed):
                    #expect(removed.count == Self.rows - left, "\(backend), round \(round): returned \(removed.count), gone \(Self.rows - left)")
                case .failure(let error):
                    Issue.record("\(backend), round \(round): the cancelled batch threw \(error) after removing \(Self.rows - left) grants")
                }
                if left > 0 { _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: subject)) }
            }
            await observed.store.close()
        }
    }

    /// Stores ``rows`` grants of a new subject that expired an hour ago, a microsecond apart; returns the subject and
    /// the key of the oldest (the first a batch removes).
    static func seedExpiredGrants(_ stores: IdentityStores, round: Int) async throws -> (subject: String, first: String) {
        let subject = uniqueName("cancel\(round)")
        let expired = Date().roundedToStoragePrecision.addingTimeInterval(-3600)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: rows, by: 8) {
                        let expiration = expired.addingTimeInterval(Double(index) / 1_000_000)
                        try await stores.grants.storeGrant(PersistedGrant(key: "\(subject)-\(index)", type: "refresh_token", subjectId: subject,
                                                                          clientId: "client", creationTime: expiration.addingTimeInterval(-60),
                                                                          expiration: expiration, data: "{}"))
                    }
                }
            }
            try await group.waitForAll()
        }
        return (subject, "\(subject)-0")
    }

    /// Cancels `task` as soon as the grant a batch removes first is gone: the batch has started, and on a backend whose
    /// batch takes many calls, it is still running.
    static func cancelOnceTheBatchHasStarted<T>(_ task: Task<T, any Error>, removing first: String, from stores: IdentityStores) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while try await stores.grants.grant(forKey: first) != nil {
            // A liveness bound only: the batch removes this grant first.
            guard ContinuousClock.now < deadline else {
                Issue.record("the batch did not remove the oldest grant within 120 s")
                break
            }
            // Suspends: the memory backend answers without, and a busy loop would keep the batch's task off the threads.
            try await Task.sleep(for: .milliseconds(1))
        }
        task.cancel()
    }
}
