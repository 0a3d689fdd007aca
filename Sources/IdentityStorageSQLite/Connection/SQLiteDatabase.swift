import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

/// One writer connection and a few reader connections over one database, each on its own thread
/// (a ``BlockingConnectionPool`` of one, and one of ``SQLiteIdentityStorage/Configuration/readerCount``), and as
/// many reader connections again that callers use on their own threads (``SQLiteInlineReaders``): a read runs on
/// its caller's thread when one of those is free, within ``SQLiteIdentityStorage/Configuration/inlineBound``, and
/// on a reader thread otherwise.
///
/// Every write goes through the single writer, so the atomic primitives are single statements
/// (or `BEGIN IMMEDIATE` transactions) that never interleave within this process; `BEGIN IMMEDIATE`
/// and the busy timeout serialise them against other processes on the same file. Readers see every
/// committed write (WAL). An in-memory database has only the writer: its data is private to one connection.
package final class SQLiteDatabase: SQLDatabase {
    private let writer: BlockingConnectionPool<SQLiteConnection>
    private let readers: BlockingConnectionPool<SQLiteConnection>?
    private let inlineReaders: SQLiteInlineReaders?

    private init(writer: BlockingConnectionPool<SQLiteConnection>, readers: BlockingConnectionPool<SQLiteConnection>?,
                 inlineReaders: SQLiteInlineReaders?) {
        self.writer = writer
        self.readers = readers
        self.inlineReaders = inlineReaders
    }

    package static func open(_ configuration: SQLiteIdentityStorage.Configuration) async throws -> SQLiteDatabase {
        let path = configuration.path
        let timeout = Int32(clamping: Int((configuration.busyTimeout.inSeconds * 1000).rounded()))
        let inMemory = path == ":memory:" || path.isEmpty
        let writer = BlockingConnectionPool(configuration: .init(size: 1, acquireTimeout: configuration.acquireTimeout, threadName: "sqlite-writer",
                                                                 telemetry: PoolTelemetry(configuration.observability, backend: "sqlite", pool: "writer"))) {
            let connection = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: timeout)
            // Without migrations, nothing is written to the file (not even the journal mode).
            guard configuration.migratesOnOpen else { return connection }
            try SQLiteSchema.configure(connection, inMemory: inMemory)
            try connection.execute("PRAGMA cache_size = -\(max(0, configuration.writerCacheKiB)); PRAGMA wal_autocheckpoint = \(max(0, configuration.walAutoCheckpointPages))")
            try SQLiteSchema.migrate(connection, logger: configuration.observability.logger)
            return connection
        }
        do {
            // Opens the writer now, so a bad path or a newer schema fails `open`, not the first call.
            try await writer.warmUp()
        } catch {
            await writer.shutdown()
            throw error
        }
        guard !inMemory, configuration.readerCount > 0 else { return SQLiteDatabase(writer: writer, readers: nil, inlineReaders: nil) }
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
        guard let bound = configuration.inlineBound else { return SQLiteDatabase(writer: writer, readers: readers, inlineReaders: nil) }
        do {
            // Opened on the writer's thread: opening a file blocks.
            let inlineReaders = try await writer.withConnection { _ in
                try SQLiteInlineReaders(count: configuration.readerCount, bound: bound) { try reader(inline: true) }
            }
            return SQLiteDatabase(writer: writer, readers: readers, inlineReaders: inlineReaders)
        } catch {
            await readers.shutdown()
            await writer.shutdown()
            throw error
        }
    }

    /// Runs `body` on a reader connection: on this thread when an inline reader is free and `body` finishes within
    /// the bound, on a reader thread otherwise (the writer's when there are no readers).
    @discardableResult
    package func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let inlineReaders {
            try Task.checkCancellation()
            if let result = try inlineReaders.attempt(body) { return result }
        }
        return try await (readers ?? writer).withConnection(interruptible: true, body)
    }

    /// Runs `body` on the writer connection.
    @discardableResult
    package func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.withConnection(body)
    }

    package var dialect: SQLDialect { .sqlite }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on the writer.
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.withConnection { connection in try connection.transaction(immediate: true) { try body(connection) } }
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
