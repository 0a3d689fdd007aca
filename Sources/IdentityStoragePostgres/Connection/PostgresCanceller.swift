import CLibPQ
import IdentityStorageBlockingPool
import Synchronization

/// Stops the statement of one PostgreSQL connection from another thread: `PQcancel` with the connection's cancel
/// object, which libpq documents as thread-safe. The object is replaced when the connection reopens.
final class PostgresCanceller: StatementInterrupter {
    /// The address of `PQgetCancel`'s object for the open connection (an address, as pointers are not `Sendable`);
    /// freed under the lock, so never while `PQcancel` uses it.
    private let address = Mutex<UInt?>(nil)

    /// Takes the cancel object of `connection` (none when it closes), freeing the previous one.
    func attach(_ connection: OpaquePointer?) {
        let fresh = connection.flatMap(PQgetCancel).map { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer($0))) }
        address.withLock { address in
            if let previous = address.flatMap(OpaquePointer.init(bitPattern:)) { PQfreeCancel(previous) }
            address = fresh
        }
    }

    func interrupt() {
        address.withLock { address in
            guard let cancel = address.flatMap(OpaquePointer.init(bitPattern:)) else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            // A failure only means the statement runs on; its caller has been answered either way.
            _ = PQcancel(cancel, &buffer, Int32(buffer.count))
        }
    }

    deinit {
        attach(nil)
    }
}
