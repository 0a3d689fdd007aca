import Foundation
import IdentityStorage
import Synchronization

/// One writer connection and a few reader connections over one database, each on its own thread.
///
/// Every write goes through the single writer, so the atomic primitives are single statements
/// (or `BEGIN IMMEDIATE` transactions) that never interleave within this process; `BEGIN IMMEDIATE`
/// and the busy timeout serialise them against other processes on the same file. Readers see every
/// committed write (WAL). An in-memory database has only the writer: its data is private to one connection.
final class SQLiteDatabase: Sendable {
    private let writer: SQLiteWorker
    private let readers: [SQLiteWorker]
    private let nextReader = Atomic<Int>(0)

    private init(writer: SQLiteWorker, readers: [SQLiteWorker]) {
        self.writer = writer
        self.readers = readers
    }

    static func open(_ configuration: SQLiteIdentityStorage.Configuration) async throws -> SQLiteDatabase {
        let path = configuration.path
        let timeout = Int32(clamping: Int((configuration.busyTimeout * 1000).rounded()))
        let inMemory = path == ":memory:" || path.isEmpty
        let writer = try await SQLiteWorker.start(name: "sqlite-writer") {
            let connection = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: timeout)
            try SQLiteSchema.configure(connection, inMemory: inMemory)
            try SQLiteSchema.migrate(connection)
            return connection
        }
        var readers: [SQLiteWorker] = []
        if !inMemory {
            do {
                for index in 0..<max(0, configuration.readerCount) {
                    readers.append(try await SQLiteWorker.start(name: "sqlite-reader-\(index)") {
                        let connection = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: timeout)
                        try connection.execute("PRAGMA query_only = ON")
                        return connection
                    })
                }
            } catch {
                await writer.stop()
                for reader in readers { await reader.stop() }
                throw error
            }
        }
        return SQLiteDatabase(writer: writer, readers: readers)
    }

    /// Runs `body` on a reader connection (the writer when there are none).
    @discardableResult
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await writer.run(body) }
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await readers[Int(UInt(bitPattern: index) % UInt(readers.count))].run(body)
    }

    /// Runs `body` on the writer connection.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.run(body)
    }

    func close() async {
        for reader in readers { await reader.stop() }
        await writer.stop()
    }
}
