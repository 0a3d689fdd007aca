import Foundation
import IdentityStorage
import ServerTestSupport
import Testing

/// Redis cannot stop a running command: a caller cancelled during a read is answered at once with `CancellationError`
/// (the README's promise), and the command finishes for nobody. It used to run to its end and hand back its rows.
@Suite("Cancelled reads on Redis")
struct RedisReadCancellationTests {
    static let grants = 20_000

    @Test(arguments: [TestBackend.redis, .redisCluster])
    func aCancelledLongReadGetsCancellationNotItsRows(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_cancel_read") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            let filter = PersistedGrantFilter(subjectId: "reader")
            // The store is this test's own and kept: the grants are written by its first run only.
            if try await stores.grants.grants(matching: filter).count != Self.grants {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<16 {
                        group.addTask {
                            for index in stride(from: worker, to: Self.grants, by: 16) {
                                try await stores.grants.storeGrant(PersistedGrant(key: "read-\(index)", type: "refresh_token", subjectId: "reader",
                                                                                  clientId: "client", creationTime: Date().roundedToStoragePrecision,
                                                                                  data: "{\"n\":\(index)}"))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let returned = Shared<ContinuousClock.Instant?>(nil)
            let read = Task {
                let rows = try await stores.grants.grants(matching: filter)
                returned.update { $0 = .now }
                return rows.count
            }
            // Long enough for the read to leave the queue (the pool is this store's alone), short beside the read.
            try await Task.sleep(for: .milliseconds(20))
            let cancelled = ContinuousClock.now
            read.cancel()
            switch await read.result {
            case .failure(let error):
                #expect(error is CancellationError, "\(backend): \(error)")
            case .success(let count):
                // Rows handed over after the cancel: the read ran to its end for a caller that had gone.
                #expect(returned.current.map { $0 < cancelled } ?? true,
                        "\(backend): the cancelled read returned its \(count) rows \(returned.current! - cancelled) after the cancel")
            }
            // The command finished for nobody; the connection serves the next caller.
            #expect(try await stores.grants.grant(forKey: "read-0")?.subjectId == "reader")
            await observed.store.close()
        }
    }
}
