import CSQLite3
import IdentityStorageBlockingPool
import Synchronization

/// Stops a statement of one SQLite connection from another thread (`sqlite3_interrupt`, which SQLite documents as
/// safe to call from any thread while the connection is open).
final class SQLiteInterrupter: StatementInterrupter {
    /// The address of the connection's handle while it is open (an address, as pointers are not `Sendable`);
    /// cleared under the lock before the connection closes, so never interrupted once closed.
    private let address = Mutex<UInt?>(nil)

    func attach(_ db: OpaquePointer?) {
        let value = db.map { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer($0))) }
        address.withLock { $0 = value }
    }

    func interrupt() {
        address.withLock { address in
            if let address, let db = OpaquePointer(bitPattern: address) { sqlite3_interrupt(db) }
        }
    }
}
