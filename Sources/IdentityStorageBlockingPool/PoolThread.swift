import Synchronization

/// The call a pool thread is running, so that an interrupt reaches that call and never the one after it.
final class PoolThread: Sendable {
    /// The running job's id. Held by an interrupt while it acts, so the thread cannot move on meanwhile.
    private let running = Mutex<UInt64?>(nil)

    func begin(_ id: UInt64) {
        running.withLock { $0 = id }
    }

    /// Waits for an interrupt under way, then marks the thread idle.
    func end() {
        running.withLock { $0 = nil }
    }

    /// What interrupts job `id` through `interrupter` while this thread runs it; nil without an interrupter.
    func interrupt(_ id: UInt64, _ interrupter: (any StatementInterrupter)?) -> (@Sendable () -> Void)? {
        guard let interrupter else { return nil }
        return { [self] in
            running.withLock { current in
                if current == id { interrupter.interrupt() }
            }
        }
    }
}
