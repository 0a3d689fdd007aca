import Foundation
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageMemory
import ServerTestSupport
import Synchronization
import Testing

/// RSA keys are generated off the cooperative pool. Generating one is hundreds of milliseconds of CPU (seconds in a
/// debug build); made on the pool, instances creating keys at once held all of its threads (one per core) until they
/// were done, and every other task of the process waited: the tool test running beside the in-process race took a
/// minute instead of a second.
@Suite struct KeyGenerationTests {
    /// More instances than the pool has threads create their first RS256 key. Between reading the empty store and
    /// storing its key an instance generates; generated on the pool, no more instances than the pool has threads are
    /// ever between the two, since a generation holds its thread. Off the pool, every instance gets there at once.
    @Test(.timeLimit(.minutes(10))) func rsaKeyGenerationLeavesTheCooperativePoolFree() async throws {
        let instances = ProcessInfo.processInfo.activeProcessorCount + 6
        let watch = GenerationWatch()
        var policy = SigningKeyPolicy()
        policy.algorithms = [.rs256]
        policy.protectKeys = false
        let managers = try (0..<instances).map { _ in
            try SigningKeyManager(store: WatchedSigningKeyStore(watch), dataProtector: nil, policy: policy, clock: ManualWallClock(start: simulationStart))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for manager in managers { group.addTask { _ = try await manager.currentSigningKey(for: .rs256) } }
            try await group.waitForAll()
        }
        #expect(watch.mostAtOnce > ProcessInfo.processInfo.activeProcessorCount,
                "at most \(watch.mostAtOnce) of \(instances) instances were generating a key at once")
    }
}

/// How many instances are between reading an empty signing-key store and storing their key, and the most at once.
final class GenerationWatch: Sendable {
    private let counts = Mutex((now: 0, most: 0))

    func began() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }

    func ended() { counts.withLock { $0.now -= 1 } }

    var mostAtOnce: Int { counts.withLock { $0.most } }
}

/// Memory signing keys telling a ``GenerationWatch`` when an instance found no key and when it stored one.
final class WatchedSigningKeyStore: SigningKeyStore {
    private let keys = MemorySigningKeyStore()
    private let watch: GenerationWatch

    init(_ watch: GenerationWatch) { self.watch = watch }

    func loadKeys() async throws -> [SerializedKey] {
        let loaded = try await keys.loadKeys()
        if loaded.isEmpty { watch.began() }
        return loaded
    }

    func storeKey(_ key: SerializedKey) async throws { try await keys.storeKey(key) }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        watch.ended()
        return try await keys.storeKey(key, ifNoKeyCreatedAfter: threshold)
    }

    @discardableResult func deleteKey(withId id: String) async throws -> Bool { try await keys.deleteKey(withId: id) }
}
