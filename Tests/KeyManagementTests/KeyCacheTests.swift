import Foundation
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageMemory
import ServerTestSupport
import Synchronization
import Testing

/// The key cache at the instant a key expires: a caller never gets the keys a read of the store begun before that
/// instant chose.
@Suite struct KeyCacheTests {
    /// A read of the store begun before the current key expired, still under way when a caller asks after: the caller
    /// waited for it and took its keys, so it signed with the expired key (and two instances disagreed) at every
    /// rotation of the 400-day simulation.
    @Test(.timeLimit(.minutes(10))) func aReadBegunBeforeAnExpiryDoesNotServeAfterIt() async throws {
        let store = HeldSigningKeyStore()
        let clock = CountingClock(start: simulationStart)
        var policy = SigningKeyPolicy()
        policy.algorithms = [.es256]
        policy.protectKeys = false
        policy.storeCheckInterval = 1_000 * day // no background read in the way
        let manager = try SigningKeyManager(store: store, dataProtector: nil, policy: policy, clock: clock)
        let first = try await manager.currentSigningKey(for: .es256)
        // The successor is created the propagation time before the first key expires, and signs from then.
        clock.set(first.expiration.addingTimeInterval(-policy.propagationTime))
        try await manager.refresh()
        clock.set(first.expiration.addingTimeInterval(-day))
        #expect(try await manager.currentSigningKey(for: .es256).id == first.id)

        try await withHangGuard(.seconds(120), "the key look-ups around an expiry") {
            // A read of the store begins a day before the expiry and is held.
            await store.holdNextLoad()
            let refresh = Task { try await manager.refresh() }
            await store.waitUntilHeld()
            // The first key expires; a caller asks (both clock reads made: it waits for the read under way).
            clock.set(first.expiration)
            let readsBefore = clock.reads
            let asking = Task { try await manager.currentSigningKey(for: .es256) }
            while clock.reads < readsBefore + 2 { try await Task.sleep(for: .milliseconds(1)) }
            await store.release()
            try await refresh.value
            let key = try await asking.value
            #expect(key.id != first.id, "signed with \(key.id), which expired at \(first.expiration), at \(clock.now)")
            #expect(key.activation <= clock.now && clock.now < key.expiration)
        }
    }
}

/// A wall clock that counts its reads: a test waits until a caller has read it.
final class CountingClock: WallClock {
    private let clock: ManualWallClock
    private let count = Atomic<Int>(0)

    init(start: Date) {
        clock = ManualWallClock(start: start)
    }

    var now: Date {
        count.add(1, ordering: .sequentiallyConsistent)
        return clock.now
    }

    var reads: Int { count.load(ordering: .sequentiallyConsistent) }

    func set(_ date: Date) { clock.set(date) }
}

/// Signing keys in memory whose next load can be held until released.
actor HeldSigningKeyStore: SigningKeyStore {
    private let keys = MemorySigningKeyStore()
    private var holdNext = false
    private var held: CheckedContinuation<Void, Never>?
    private var watcher: CheckedContinuation<Void, Never>?

    func holdNextLoad() { holdNext = true }

    /// Returns once a load is held.
    func waitUntilHeld() async {
        guard held == nil else { return }
        await withCheckedContinuation { watcher = $0 }
    }

    func release() {
        held?.resume()
        held = nil
    }

    func loadKeys() async throws -> [SerializedKey] {
        if holdNext {
            holdNext = false
            await withCheckedContinuation { continuation in
                held = continuation
                watcher?.resume()
                watcher = nil
            }
        }
        return try await keys.loadKeys()
    }

    func storeKey(_ key: SerializedKey) async throws { try await keys.storeKey(key) }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try await keys.storeKey(key, ifNoKeyCreatedAfter: threshold)
    }

    @discardableResult func deleteKey(withId id: String) async throws -> Bool { try await keys.deleteKey(withId: id) }
}
