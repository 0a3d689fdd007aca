#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IdentityStorage

/// An exclusive lock on a lock file (`flock`), held by every writer of a document or key directory, in this process
/// and in others on the same host (or on a shared mount that honours the lock): writes are serialised, and a
/// conditional write reads and writes under one hold. Blocking: use it on the adapter's I/O threads only.
package enum FileLock {
    /// Runs `body` holding the lock of `lockPath` (created if missing), waiting at most `timeout` for it.
    package static func withLock<T>(_ lockPath: String, timeout: Duration, _ body: () throws -> T) throws -> T {
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystem.failure("cannot open the lock file", lockPath) }
        // Closing the descriptor releases the lock, even when `body` throws.
        defer { close(descriptor) }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw FileSystem.failure("cannot lock", lockPath) }
            guard ContinuousClock.now < deadline else {
                throw IdentityStorageError(.timeout, "another writer held \(lockPath) for longer than \(timeout)")
            }
            usleep(1_000)
        }
        return try body()
    }
}
