import Foundation
import IdentityStorage
import IdentityStorageRedis
import Testing

extension RedisFaultTests {
    /// One pool serves every master of the cluster (each master a lane of it); a master that stops answering may hold
    /// only its own `pool_size` threads, never those the other masters' calls need.
    @Test("a cluster master that stops answering: the other masters' calls go on")
    func stoppedClusterMaster() async throws {
        guard await RedisServers.shared.storage(.cluster) != nil else { return }
        let ports = try RedisKind.cluster.endpoints.map(\.port)
        try await RedisKind.cluster.gate.exclusive {
            let name = "idstore-stop-\(UInt32.random(in: 0 ... .max))"
            var configuration = try RedisKind.cluster.configuration(prefix: "idstore-fault:", clientName: name, poolSize: 2)
            configuration.commandTimeout = .seconds(5)
            let storage = try await RedisIdentityStorage.open(configuration)
            let stores = storage.makeStores()
            let keyspace = RedisKeyspace(prefix: configuration.keyPrefix)
            var keysByMaster: [Int: [String]] = [:]
            for index in 0..<60 {
                let key = "stop-\(name)-\(index)"
                try await stores.grants.storeGrant(faultGrant(key))
                let slot = RedisGrantCommands.get(key, keyspace).slot ?? 0
                if let master = RedisAdmin.master(ofSlot: slot, askingPort: ports[0]) { keysByMaster[master, default: []].append(key) }
            }
            try #require(keysByMaster.count == 3, "expected keys on 3 masters: \(keysByMaster.mapValues(\.count))")
            let victim = keysByMaster.keys.sorted()[0]
            let stoppedKeys = keysByMaster[victim]!, otherKeys = keysByMaster.filter { $0.key != victim }.flatMap(\.value)
            let pid = try #require(RedisAdmin.processID(port: victim))

            kill(pid, SIGSTOP)
            // More calls to the stopped master than the pool has threads (2 per master, 6 in all), one at a time so that
            // each would take a thread of its own (calls queued together go out in one pipeline, on one thread).
            let stuck = (0..<8).map { index in
                Task {
                    try await Task.sleep(for: .milliseconds(25 * index))
                    return try await stores.grants.grant(forKey: stoppedKeys[index % stoppedKeys.count])
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            let started = ContinuousClock.now
            var served = 0
            do {
                for key in otherKeys where try await stores.grants.grant(forKey: key) != nil { served += 1 }
            } catch {
                kill(pid, SIGCONT)
                throw error
            }
            let elapsed = ContinuousClock.now - started
            kill(pid, SIGCONT)
            var answeredAfterResuming = 0
            for call in stuck where (try? await call.value) != nil { answeredAfterResuming += 1 }
            print("RedisTests: master \(victim) stopped: \(served) calls to the other masters in \(elapsed); \(answeredAfterResuming) of 8 stuck calls answered once it resumed")

            #expect(served == otherKeys.count)
            // Were the stopped master's calls holding every thread, these would wait for its command timeout (5 s).
            #expect(elapsed < .seconds(2), "the other masters' calls waited \(elapsed) behind the stopped master's")
            #expect(answeredAfterResuming == 8, "the stopped master's calls are answered once it resumes")
            let healthy = await RedisAdmin.wait(upTo: 30) { ports.allSatisfy(RedisAdmin.clusterStateOK(port:)) }
            #expect(healthy, "the cluster did not report cluster_state:ok on every node after the master resumed")
            await storage.close()
        }
    }
}
