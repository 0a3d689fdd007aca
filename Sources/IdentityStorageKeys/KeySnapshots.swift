import Foundation
import Synchronization

/// What an instance serves keys from between reads of the store (a snapshot), and the one read of the store (a
/// maintenance) that makes the next: callers finding the snapshot stale wait for the maintenance under way instead of
/// reading the store themselves, and the background check of the store runs one at a time.
///
/// A maintenance reads the clock when it begins. One that began before a caller asked may have judged the keys at an
/// earlier instant (before a key expired, or before a successor activated): its snapshot serves that caller only if
/// it is usable at the caller's own instant; otherwise the caller waits for a maintenance that began after it asked.
/// Each maintenance stores its snapshot itself, so an older one never replaces a newer one.
final class KeySnapshots<Snapshot: Sendable>: Sendable {
    private struct State {
        var snapshot: Snapshot?
        var running: (generation: UInt64, task: Task<Snapshot, any Error>)?
        /// Maintenances begun so far: a caller waits for one numbered above the count it saw when it asked.
        var generations: UInt64 = 0
        var nextStoreCheck = Date.distantPast
        var checking = false
    }

    private enum Step: Sendable {
        case ready(Snapshot)
        case wait(Task<Snapshot, any Error>, begunAfterAsking: Bool)
    }

    private let state = Mutex(State())

    /// The snapshot held now, usable or not (to reuse the key material it holds).
    var current: Snapshot? { state.withLock { $0.snapshot } }

    /// Drops the snapshot: the next caller waits for a read of the store (after the tool or this process changed it).
    func invalidate() {
        state.withLock { $0.snapshot = nil }
    }

    /// Replaces the snapshot with what `change` makes of it (keys read on demand added to it).
    func update(_ change: (Snapshot?) -> Snapshot?) {
        state.withLock { $0.snapshot = change($0.snapshot) }
    }

    /// The snapshot when `usable` accepts it (unless `fresh`), else the snapshot of a maintenance begun after this call
    /// (or of one begun before, if `usable` accepts it and not `fresh`). `maintain` reads the store and makes one.
    func snapshot(fresh: Bool, usable: (Snapshot) -> Bool, maintain: @escaping @Sendable () async throws -> Snapshot) async throws -> Snapshot {
        let asked = state.withLock { $0.generations }
        while true {
            let step = state.withLock { state -> Step in
                if !fresh, let snapshot = state.snapshot, usable(snapshot) { return .ready(snapshot) }
                if let running = state.running { return .wait(running.task, begunAfterAsking: running.generation > asked) }
                state.generations += 1
                let generation = state.generations
                let task = Task { try await self.run(generation, maintain) }
                state.running = (generation, task)
                return .wait(task, begunAfterAsking: true)
            }
            switch step {
            case .ready(let snapshot):
                return snapshot
            case .wait(let task, let begunAfterAsking):
                let snapshot = try await task.value
                if begunAfterAsking || (!fresh && usable(snapshot)) { return snapshot }
            }
        }
    }

    private func run(_ generation: UInt64, _ maintain: @Sendable () async throws -> Snapshot) async throws -> Snapshot {
        do {
            let snapshot = try await maintain()
            state.withLock { state in
                state.snapshot = snapshot
                state.running = nil
            }
            return snapshot
        } catch {
            state.withLock { $0.running = nil }
            throw error
        }
    }

    /// Whether the caller at `now` should start the background check of the store: one at a time, at most every
    /// `interval`, the first an interval after the first use of a snapshot (the read that made it is that recent).
    /// The caller calls ``storeCheckEnded()`` when it is done.
    func claimStoreCheck(at now: Date, every interval: TimeInterval) -> Bool {
        state.withLock { state in
            if state.nextStoreCheck == .distantPast {
                state.nextStoreCheck = now.addingTimeInterval(interval)
                return false
            }
            guard !state.checking, now >= state.nextStoreCheck else { return false }
            state.checking = true
            state.nextStoreCheck = now.addingTimeInterval(interval)
            return true
        }
    }

    /// The background check claimed with ``claimStoreCheck(at:every:)`` is over.
    func storeCheckEnded() {
        state.withLock { $0.checking = false }
    }
}
