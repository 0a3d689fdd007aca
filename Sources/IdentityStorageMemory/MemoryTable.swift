import Synchronization

/// One store's data behind a lock, shared by every set of stores one ``MemoryIdentityStorage`` hands out
/// (each set may judge time by its own clock; the data is the same).
final class MemoryTable<State>: Sendable {
    private let mutex: Mutex<State>

    init(_ state: sending State) {
        mutex = Mutex(state)
    }

    /// Runs `body` with the data, holding the lock: every atomic primitive of a memory store is one such call.
    func withLock<Result, Failure: Error>(_ body: (inout sending State) throws(Failure) -> sending Result) throws(Failure) -> sending Result {
        try mutex.withLock(body)
    }
}
