import Foundation
import IdentityStorage
import ServerTestSupport
import Synchronization
import Testing

/// A connection the server ends mid-workload is logged as lost, counted as replaced, and a new one is opened.
@Suite("Logs of lost connections")
struct ConnectionLossLogTests {
    @Test(arguments: TestBackend.servers)
    func aKilledConnectionIsLoggedAndReplaced(_ backend: TestBackend) async throws {
        let name = "obs_kill"
        guard let observed = try await ObservedStore.open(backend, name, parameters: ["pool_size=2"] + ConnectionKiller.naming(backend, name))
        else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            let prefix = uniqueName("kill-")
            let stop = Shared(false)
            let errors = Shared<[String]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !stop.current {
                            do {
                                try await stores.grants.storeGrant(observedGrant("\(prefix)-\(worker)-\(index)"))
                                _ = try await stores.grants.grant(forKey: "\(prefix)-\(worker)-\(index)")
                            } catch let error as IdentityStorageError {
                                errors.update { $0.append(error.code.telemetryName) }
                            }
                            index += 1
                        }
                    }
                }
                var killed = 0
                for _ in 0..<3 {
                    try await Task.sleep(for: .milliseconds(300))
                    killed += try await ConnectionKiller.kill(backend, name: name)
                }
                try await Task.sleep(for: .milliseconds(500))
                stop.update { $0 = true }
                try await group.waitForAll()
                #expect(killed > 0, "\(backend): no connection of the store was found to kill")
            }
            let kits = observed.kits
            // A connection killed during a call is closed by its pool, which opens a new one; one killed while idle is
            // reopened in place before its next statement (PostgreSQL, MariaDB) or fails its health check when next taken.
            let lost = kits.entries("connection lost; the next call opens a new one")
            let lostIdle = kits.entries("connection lost while idle; reopening it")
            let failedCheck = kits.entries("idle connection failed its health check; opening a new one")
            #expect(!(lost + lostIdle + failedCheck).isEmpty, "\(backend): no lost connection was logged; errors seen: \(Set(errors.current))")
            #expect((lost + lostIdle + failedCheck).allSatisfy { $0.level == .notice && $0.metadata["backend"]?.description == observed.system })
            #expect(lost.allSatisfy { $0.metadata["pool"] != nil && $0.metadata["error"]?.description.contains("unavailable") == true },
                    "\(lost.prefix(2))")
            let replaced = kits.metrics.counterTotal(label: "identitystorage_pool_connections_replaced")
            #expect(replaced == Int64(lost.count + failedCheck.count), "\(backend): every connection a pool lost was counted as replaced")
            let opened = kits.entries("connection opened")
            #expect(opened.count >= 2 + lost.count + failedCheck.count && opened.allSatisfy { $0.level == .debug }, "\(backend): \(opened.count) connections opened")
            #expect(Set(errors.current).isSubset(of: ["unavailable"]), "\(backend): \(Set(errors.current))")
            await observed.store.close()
        }
    }
}
