import IdentityStorage
import IdentityStorageBlockingPool

/// A thread of the `file:` adapter's I/O pool. File calls block (on a network mount, for long): they run on these
/// threads, never on Swift's cooperative pool. The worker holds nothing; each job opens what it needs.
package final class FileWorker: BlockingConnection {
    package init() {}

    package func isHealthy() -> Bool { true }

    package func close() {}

    package func shouldDiscard(after error: IdentityStorageError) -> Bool { false }
}

/// The I/O threads of one `file:` store: two for reads, and one for writes, so that this process's writers queue in
/// order rather than poll for the lock file against each other; other processes' writers wait on the lock file.
package final class FileIO: Sendable {
    private let readers: BlockingConnectionPool<FileWorker>
    private let writer: BlockingConnectionPool<FileWorker>
    private let lockTimeout: Duration
    private let readOnly: Bool

    package init(lockTimeout: Duration, readOnly: Bool) {
        // A write may wait for another process's lock for `lockTimeout`: callers queued behind it wait that long too.
        let patience = lockTimeout * 4 + .seconds(30)
        readers = BlockingConnectionPool(configuration: .init(size: 2, acquireTimeout: patience, threadName: "file-read")) { FileWorker() }
        writer = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: patience, threadName: "file-write")) { FileWorker() }
        self.lockTimeout = lockTimeout
        self.readOnly = readOnly
    }

    /// Runs `body` on a read thread.
    package func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await readers.withConnection { _ in try body() }
    }

    /// Runs `prepare`, then `body` holding the lock file `lockPath`, on the write thread; refused for a read-only store
    /// (`path` names it).
    package func write<T: Sendable>(locking lockPath: String, of path: String, preparing prepare: @escaping @Sendable () throws -> Void = {},
                                    _ body: @escaping @Sendable () throws -> T) async throws -> T {
        if readOnly { throw IdentityStorageError(.unsupported, "file:\(path) is read-only (read_only=true)") }
        let lockTimeout = self.lockTimeout
        return try await writer.withConnection { _ in
            try prepare()
            return try FileLock.withLock(lockPath, timeout: lockTimeout, body)
        }
    }

    package func shutdown() async {
        await readers.shutdown()
        await writer.shutdown()
    }
}
