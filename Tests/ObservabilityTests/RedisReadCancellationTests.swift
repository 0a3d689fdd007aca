import Foundation
import IdentityStorage
import ServerTestSupport
import Testing

/// Redis cannot stop a running command: a caller cancelled during a read is answered at once with `CancellationError`
/// (the promise of the "Observability and Lifecycle" article), and the command finishes for nobody. It used to run to its end and hand back its rows.
@Suite("Cancelled reads on Redis")
struct RedisReadCancellationTests {
    static let sessions = 20_000

    @Test(arguments: [TestBackend.redis, .redisCluster])
    func aCancelledLongReadGetsCancellationNotItsRows(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_cancel_read") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            // One script on one node, in the cluster too: the sessions of one subject.
            let filter = SessionFilter(subjectId: "reader")
            // The store is this test's own and kept: the sessions are written by its first run only.
            if try await stores.sessions.sessions(matching: filter).count != Self.sessions {
                _ = try await stores.sessions.deleteSessions(matching: filter)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<16 {
                        group.addTask {
                            let now = Date().roundedToStoragePrecision
                            for index in stride(from: worker, to: Self.sessions, by: 16) {
                                try await stores.sessions.createSession(ServerSideSession(key: "read-\(index)", scheme: "idsrv", subjectId: "reader",
                                                                                          created: now, renewed: now, ticket: "ticket \(index)"))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let inUse = { observed.kits.poolGauges("identitystorage_pool_connections_in_use").values.contains { $0 != 0 } }
            // A thread marks its connection idle just after answering: wait for the calls above to be done.
            let deadline = ContinuousClock.now + .seconds(60)
            while inUse(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
            let returned = Shared<ContinuousClock.Instant?>(nil)
            let read = Task {
                let rows = try await stores.sessions.sessions(matching: filter)
                returned.update { $0 = .now }
                return rows.count
            }
            // Cancel once the read runs on its connection (the pool is this store's alone); liveness bounds only.
            while !inUse(), returned.current == nil, ContinuousClock.now < deadline + .seconds(60) { try await Task.sleep(for: .milliseconds(1)) }
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
            #expect(try await stores.sessions.session(forKey: "read-0")?.subjectId == "reader")
            await observed.store.close()
        }
    }
}
