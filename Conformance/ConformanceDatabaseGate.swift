import Synchronization

/// A readers-writer gate per ``ConformanceDatabase``: a case that needs the database to itself enters alone, the
/// others together. Waiters enter in the order they came, so a stream of shared cases never starves an exclusive one
/// and an exclusive one holds back only the cases that came after it. A waiter whose task is cancelled leaves the
/// queue (a timed-out case must not wait for ever behind a case that hangs).
final class ConformanceDatabaseGate: Sendable {
    static let shared = ConformanceDatabaseGate()

    private struct Waiter {
        let id: UInt64
        let exclusive: Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct Database {
        var readers = 0
        var writing = false
        var waiters: [Waiter] = []

        var isIdle: Bool { readers == 0 && !writing && waiters.isEmpty }

        /// Whether a newcomer (or the first waiter) may enter now.
        func admits(exclusive: Bool) -> Bool {
            exclusive ? readers == 0 && !writing : !writing
        }

        mutating func enter(exclusive: Bool) {
            if exclusive { writing = true } else { readers += 1 }
        }

        /// Lets in the waiters at the head of the queue that may enter now; returns them to be resumed outside the lock.
        mutating func admitWaiters() -> [CheckedContinuation<Bool, Never>] {
            var admitted: [CheckedContinuation<Bool, Never>] = []
            while let first = waiters.first, admits(exclusive: first.exclusive) {
                enter(exclusive: first.exclusive)
                admitted.append(waiters.removeFirst().continuation)
            }
            return admitted
        }
    }

    private struct State {
        var databases: [ConformanceDatabase: Database] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Waits until `database` lets the caller in, alone when `exclusive`. False when the caller's task was cancelled
    /// first: it then holds nothing. A database of the case's own is entered at once.
    func enter(_ database: ConformanceDatabase, exclusive: Bool) async -> Bool {
        if database.identity == .ownedByTheCase { return true }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let admitted = state.withLock { state -> Bool? in
                    // Checked under the lock: a cancellation handler that ran before this found nothing to remove.
                    if Task.isCancelled { return false }
                    var entry = state.databases[database, default: Database()]
                    defer { state.databases[database] = entry }
                    if entry.waiters.isEmpty, entry.admits(exclusive: exclusive) {
                        entry.enter(exclusive: exclusive)
                        return true
                    }
                    entry.waiters.append(Waiter(id: id, exclusive: exclusive, continuation: continuation))
                    return nil
                }
                if let admitted { continuation.resume(returning: admitted) }
            }
        } onCancel: {
            let (cancelled, admitted) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Bool, Never>]) in
                guard var entry = state.databases[database], let index = entry.waiters.firstIndex(where: { $0.id == id }) else { return (nil, []) }
                let waiter = entry.waiters.remove(at: index)
                // A cancelled exclusive waiter at the head may have held back shared ones that can go now.
                let admitted = entry.admitWaiters()
                state.databases[database] = entry.isIdle ? nil : entry
                return (waiter.continuation, admitted)
            }
            cancelled?.resume(returning: false)
            for continuation in admitted { continuation.resume(returning: true) }
        }
    }

    /// Leaves `database`, entered by ``enter(_:exclusive:)`` with the same `exclusive`, and lets the next waiters in.
    func leave(_ database: ConformanceDatabase, exclusive: Bool) {
        if database.identity == .ownedByTheCase { return }
        let admitted = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard var entry = state.databases[database] else { return [] }
            if exclusive { entry.writing = false } else { entry.readers -= 1 }
            let admitted = entry.admitWaiters()
            state.databases[database] = entry.isIdle ? nil : entry
            return admitted
        }
        for continuation in admitted { continuation.resume(returning: true) }
    }
}
