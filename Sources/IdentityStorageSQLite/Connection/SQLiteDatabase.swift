import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

/// One writer connection and a few reader connections over one database, each on its own thread
/// (a ``BlockingConnectionPool`` of one, and one of ``SQLiteIdentityStorage/Configuration/readerCount``), and as
/// many reader connections again that callers use on their own threads (``SQLiteInlineReaders``). Within
/// ``SQLiteIdentityStorage/Configuration/inlineBound``, a read runs on its caller's thread when one of those is
/// free, and a write when the writer is free and nothing waits for it (``SQLiteSharedWriter``); otherwise on a
/// pool thread.
///
/// Every write goes through the single writer, so the atomic primitives are single statements
/// (or `BEGIN IMMEDIATE` transactions) that never interleave within this process; `BEGIN IMMEDIATE`
/// and the busy timeout serialise them against other processes on the same file. Readers see every
/// committed write (WAL). An in-memory database has only the writer: its data is private to one connection.
package final class SQLiteDatabase: SQLDatabase {
    private let writer: BlockingConnectionPool<SQLiteSharedWriter>
    private let sharedWriter: SQLiteSharedWriter
    private let readers: BlockingConnectionPool<SQLiteConnection>?
    private let inlineReaders: SQLiteInlineReaders?
    private let inlineBound: Duration?

    private init(writer: BlockingConnectionPool<SQLiteSharedWriter>, sharedWriter: SQLiteSharedWriter,
                 readers: BlockingConnectionPool<SQLiteConnection>?, inlineReaders: SQLiteInlineReaders?, inlineBound: Duration?) {
        self.writer = writer
        self.sharedWriter = sharedWriter
        self.readers = readers
        self.inlineReaders = inlineReaders
        self.inlineBound = inlineBound
    }

    package static func open(_ configuration: SQLiteIdentityStorage.Configuration) async throws -> SQLiteDatabase {
        let path = configuration.path
        let timeout = Int32(clamping: Int64(saturating: (configuration.busyTimeout.inSeconds * 1000).rounded()))
        let inMemory = path == ":memory:" || path.isEmpty
        let bound = configuration.inlineBound
        let writer = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: configuration.acquireTimeout, threadName: "sqlite-writer",
                                                                 telemetry: PoolTelemetry(configuration.observability, backend: "sqlite", pool: "writer"))) {
            let connection = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: timeout, inline: bound != nil)
            // Without migrations, nothing is written to the file (not even the journal mode).
            guard configuration.migratesOnOpen else { return SQLiteSharedWriter(connection) }
            try SQLiteSchema.configure(connection, inMemory: inMemory)
            try connection.execute("PRAGMA cache_size = -\(max(0, configuration.writerCacheKiB)); PRAGMA wal_autocheckpoint = \(max(0, configuration.walAutoCheckpointPages))")
            try connection.deferCheckpointsOfInlineCommits(walPages: configuration.walAutoCheckpointPages)
            try SQLiteSchema.migrate(connection, logger: configuration.observability.logger)
            return SQLiteSharedWriter(connection)
        }
        let sharedWriter: SQLiteSharedWriter
        do {
            // Opens the writer now, so a bad path or a newer schema fails `open`, not the first call.
            sharedWriter = try await writer.withConnection { $0 }
        } catch {
            await writer.shutdown()
            throw error
        }
        func database(_ readers: BlockingConnectionPool<SQLiteConnection>?, _ inlineReaders: SQLiteInlineReaders?) -> SQLiteDatabase {
            SQLiteDatabase(writer: writer, sharedWriter: sharedWriter, readers: readers, inlineReaders: inlineReaders, inlineBound: bound)
        }
        guard !inMemory, configuration.readerCount > 0 else { return database(nil, nil) }
        @Sendable func reader(inline: Bool) throws -> SQLiteConnection {
            let connection = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: timeout, inline: inline)
            try connection.execute("PRAGMA query_only = ON")
            return connection
        }
        let readers = BlockingConnectionPool(configuration: .init(size: configuration.readerCount, acquireTimeout: configuration.acquireTimeout,
                                                                  threadName: "sqlite-reader",
                                                                  telemetry: PoolTelemetry(configuration.observability, backend: "sqlite", pool: "readers"))) {
            try reader(inline: false)
        }
        guard let bound else { return database(readers, nil) }
        do {
            // Opened on the writer's thread: opening a file blocks.
            let inlineReaders = try await writer.withConnection { _ in
                try SQLiteInlineReaders(count: configuration.readerCount, bound: bound) { try reader(inline: true) }
            }
            return database(readers, inlineReaders)
        } catch {
            await readers.shutdown()
            await writer.shutdown()
            throw error
        }
    }

    /// Runs `body` on a reader connection: on this thread when an inline reader is free and `body` finishes within
    /// the bound, on a reader thread otherwise (without readers, the writer, likewise).
    @discardableResult
    package func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let inlineReaders {
            try Task.checkCancellation()
            if let result = try inlineReaders.attempt(body) { return result }
        }
        if let readers { return try await readers.withConnection(interruptible: true, body) }
        if let inlineBound, writer.isIdle {
            try Task.checkCancellation()
            if let result = try sharedWriter.attemptRead(within: inlineBound, body) { return result }
        }
        return try await writer.withConnection(interruptible: true) { try $0.run(body) }
    }

    /// Runs `body` on the writer connection: on this thread, as one transaction, when the writer is free and nothing
    /// waits for it and `body` finishes within the bound; on the writer's thread otherwise.
    @discardableResult
    package func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let inlineBound, writer.isIdle {
            try Task.checkCancellation()
            if let attempt = try sharedWriter.attemptWrite(within: inlineBound, body) {
                if attempt.checkpointDue { await checkpoint() }
                return attempt.result
            }
        }
        return try await writeOutsideTransaction(body)
    }

    /// Runs `body` on the writer's thread as it is, outside any transaction: for statements a transaction refuses
    /// (a checkpoint, `VACUUM`).
    package func writeOutsideTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.withConnection { try $0.run(body) }
    }

    /// The checkpoint an inline commit left due, on the writer's thread. A failure is left for the next commit,
    /// which finds the WAL still long and marks the checkpoint due again.
    private func checkpoint() async {
        _ = try? await writer.withConnection { try $0.run { try $0.execute("PRAGMA wal_checkpoint(PASSIVE)") } }
    }

    /// Test hook: whether the calling thread is a pool thread of this database (not a caller's).
    package var ownsCurrentThread: Bool {
        writer.ownsCurrentThread || readers?.ownsCurrentThread == true
    }

    package var dialect: SQLDialect { .sqlite }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer.
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await write { connection in try connection.transaction(immediate: true) { try body(connection) } }
    }

    /// Runs `body` in a deferred read transaction on a reader: every statement sees one snapshot (WAL).
    package func snapshot<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await read { connection in try connection.transaction(immediate: false) { try body(connection) } }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer: the single writer serialises this
    /// process's writers, and the database's write lock, taken first, serialises every other process's.
    package func locked<T: Sendable>(_ lock: SQLLock, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await transaction(body)
    }

    package func close() async {
        inlineReaders?.close()
        await readers?.shutdown()
        await writer.shutdown()
    }
}
