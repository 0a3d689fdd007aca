import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The SQLite adapter: every store on the system libsqlite3, the embedded default for a single node.
///
/// ```swift
/// let storage = try await SQLiteIdentityStorage.open(.init(path: "identity.db"))
/// let stores = storage.makeStores()
/// ```
///
/// One writer connection and a small pool of read-only connections, each on its own thread, and calls on their
/// callers' threads when they are short and a connection is free (``Configuration/inlineBound``); WAL journal; prepared statements cached per
/// connection; the schema migrated on open. The stores are the generic SQL stores of `IdentityStorageSQL`
/// (`Sources/IdentityStorageSQL/Stores/SQL<Store>.swift`) over `SQLiteDatabase`, with the SQLite dialect
/// (`SQLDialect.sqlite`, in `Connection/SQLiteSchema.swift`). Expiry is judged against the configured ``Configuration/clock``.
public final class SQLiteIdentityStorage: ConfigurableBackend {
    /// Settings of the SQLite adapter.
    public struct Configuration: SchemaConfiguration {
        /// The database file, or `":memory:"` for a private in-memory database (one connection, no readers).
        public var path: String
        /// Read-only connections next to the writer (URL `readers`), each on a thread of its own, and as many again
        /// for reads on their callers' threads (see ``inlineBound``). Default: 2.
        public var readerCount: Int = 2
        /// How long a call may run on its caller's thread (URL `inline_bound`; `inline_bound=off` turns that off).
        /// Default: 1 ms.
        ///
        /// A read runs on the calling thread when an inline reader connection is free, and a write when the writer
        /// is free and no write waits for it: no hand-off to a pool thread and back, which costs two thread
        /// wake-ups. A call that would take longer than this, or wait for a lock, is stopped (SQLite undoes it; a
        /// write runs as one transaction) and runs again on a pool thread, so a thread of Swift's cooperative pool
        /// is never held longer.
        public var inlineBound: Duration? = .milliseconds(1)
        /// How long a statement waits for another process's write lock (URL `busy_timeout`). Default: 5 s.
        public var busyTimeout: Duration = .seconds(5)
        /// How long a call waits for its connection's thread to be free (URL `acquire_timeout`). Default: 30 s.
        public var acquireTimeout: Duration = .seconds(30)
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Where the store logs and reports its connections and pool (see `StoreObservability`). Default: nowhere.
        public var observability = StoreObservability()
        /// Whether `open` applies pending migrations. Default: true. False opens without touching the schema
        /// (`idstore migrate --status`, `--print-sql`), for a schema a DBA applies; the stores work once it is in place.
        public var migratesOnOpen = true
        /// Sliding expiration of authorization-parameter messages. Default: one hour, as upstream.
        public var messageSlidingExpiration: Duration = .seconds(3600)
        /// The writer connection's page cache, in KiB (`PRAGMA cache_size`; URL `writer_cache_kib`). Default: 16384 (16 MiB).
        ///
        /// A cleanup batch deletes rows in expiration order, which is random order in the subject and session
        /// indexes: with SQLite's 2 MiB default the pages a batch dirties no longer fit and spill to the WAL
        /// mid-transaction, written more than once. Memory is taken only as pages are used.
        public var writerCacheKiB: Int = 16384
        /// WAL pages after which a commit checkpoints (`PRAGMA wal_autocheckpoint`; URL `wal_autocheckpoint`).
        /// Default: 10000 (about 40 MiB).
        ///
        /// Each checkpoint ends in an fsync; SQLite's default (1000) checkpoints every few cleanup batches.
        public var walAutoCheckpointPages: Int = 10000

        /// Settings for the database file at `path` (`:memory:` for a private in-memory database), every other setting
        /// at its default.
        public init(path: String) {
            self.path = path
        }

        /// Checks every field; ``SQLiteIdentityStorage/open(_:)`` calls it.
        public func validate() throws(IdentityStorageError) {
            if path.isEmpty { throw .invalidArgument("the SQLite path must not be empty (a file path, or :memory:)") }
            if path.utf8.contains(0) { throw .invalidArgument("the SQLite path contains a NUL byte") }
            try FieldValidation.within(0...64, readerCount, "SQLite reader count")
            try FieldValidation.positive(busyTimeout, "SQLite busy timeout")
            try FieldValidation.positive(acquireTimeout, "SQLite acquire timeout")
            if let inlineBound { try FieldValidation.positive(inlineBound, "SQLite inline bound") }
            try FieldValidation.positive(messageSlidingExpiration, "message sliding expiration")
            try FieldValidation.nonNegative(writerCacheKiB, "SQLite writer cache size")
            try FieldValidation.nonNegative(walAutoCheckpointPages, "SQLite WAL autocheckpoint")
        }
    }

    package let database: SQLiteDatabase
    /// The settings this backend was opened with.
    public let configuration: Configuration

    private init(database: SQLiteDatabase, configuration: Configuration) {
        self.database = database
        self.configuration = configuration
    }

    /// Opens (creating if needed) and migrates the database.
    public static func open(_ configuration: Configuration) async throws -> SQLiteIdentityStorage {
        try configuration.validate()
        let database = try await SQLiteDatabase.open(configuration)
        return SQLiteIdentityStorage(database: database, configuration: configuration)
    }

    /// The schema version of the open database.
    public func schemaVersion() async throws -> Int? {
        try await database.read { connection in
            try SQLMigrations.appliedVersion(connection)
        }
    }

    /// Every store over this database. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let clock = clock ?? configuration.clock
        return .sql(database, clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration.inSeconds,
                    capabilities: configuration.path == ":memory:" ? [.injectableClock, .refreshTokenFamilies] : [.injectableClock, .durable, .refreshTokenFamilies])
    }

    /// Finishes queued work and closes every connection.
    public func close() async {
        await database.close()
    }
}
