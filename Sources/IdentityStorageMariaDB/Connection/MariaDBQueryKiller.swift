import IdentityStorageBlockingPool
import Synchronization

/// Stops the statement of one MariaDB connection from another thread: `KILL QUERY` for its thread id, sent on a
/// short-lived connection of its own with the same account (a user may always kill its own statements).
final class MariaDBQueryKiller: StatementInterrupter {
    private let settings: MariaDBConnectionSettings
    /// The server thread of the open connection; nil while it is closed.
    private let threadId = Mutex<UInt?>(nil)

    init(settings: MariaDBConnectionSettings) {
        self.settings = settings
    }

    func attach(_ id: UInt?) {
        threadId.withLock { $0 = id }
    }

    func interrupt() {
        guard let id = threadId.withLock({ $0 }), let killer = try? MariaDBConnection(settings: settings) else { return }
        // A failure only means the statement runs on; its caller has been answered either way.
        try? killer.execute("KILL QUERY \(id)")
        killer.close()
    }
}
