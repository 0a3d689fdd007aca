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

/// The I/O threads of one `file:` store.
package typealias FilePool = BlockingConnectionPool<FileWorker>
