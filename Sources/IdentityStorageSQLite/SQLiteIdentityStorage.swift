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
/// One writer connection and a small pool of read-only connections, each on its own thread (SQLite
/// calls block and must stay off Swift's cooperative pool); WAL journal; prepared statements cached per
/// connection; the schema migrated on open. The stores are the generic SQL stores of `IdentityStorageSQL`
/// (`Sources/IdentityStorageSQL/Stores/SQL<Store>.swift`) over ``SQLiteDatabase``, with the SQLite dialect
/// (`SQLDialect.sqlite`, in `Connection/SQLiteSchema.swift`). Expiry is judged against the configured ``Configuration/clock``.
public final class SQLiteIdentityStorage: Sendable {
    /// Settings of the SQLite adapter.
    public struct Configuration: Sendable {
        /// The database file, or `":memory:"` for a private in-memory database (one connection, no readers).
        public var path: String
        /// Read-only connections next to the writer. Default: 2.
        public var readerCount: Int = 2
        /// How long a statement waits for another process's write lock, in seconds. Default: 5.
        public var busyTimeout: TimeInterval = 5
        /// How long a call waits for its connection's thread to be free, in seconds. Default: 30.
        public var acquireTimeout: TimeInterval = 30
        /// The clock every expiry decision uses. Default: the system clock.
        public var clock: any WallClock = SystemWallClock()
        /// Sliding expiration of authorization-parameter messages, in seconds. Default: 3600, as upstream.
        public var messageSlidingExpiration: TimeInterval = 3600
        /// The writer connection's page cache, in KiB (`PRAGMA cache_size`). Default: 16384 (16 MiB).
        ///
        /// A cleanup batch deletes rows in expiration order, which is random order in the subject and session
        /// indexes: with SQLite's 2 MiB default the pages a batch dirties no longer fit and spill to the WAL
        /// mid-transaction, written more than once. Memory is taken only as pages are used.
        public var writerCacheKiB: Int = 16384
        /// WAL pages after which a commit checkpoints (`PRAGMA wal_autocheckpoint`). Default: 10000 (about 40 MiB).
        ///
        /// Each checkpoint ends in an fsync; SQLite's default (1000) checkpoints every few cleanup batches.
        public var walAutoCheckpointPages: Int = 10000

        public init(path: String) {
            self.path = path
        }
    }

    let database: SQLiteDatabase
    public let configuration: Configuration

    private init(database: SQLiteDatabase, configuration: Configuration) {
        self.database = database
        self.configuration = configuration
    }

    /// Opens (creating if needed) and migrates the database.
    public static func open(_ configuration: Configuration) async throws -> SQLiteIdentityStorage {
        let database = try await SQLiteDatabase.open(configuration)
        return SQLiteIdentityStorage(database: database, configuration: configuration)
    }

    /// The schema version of the open database.
    public func schemaVersion() async throws -> Int {
        try await database.read { connection in
            try SQLMigrations.appliedVersion(connection)
        }
    }

    /// Every store over this database. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let clock = clock ?? configuration.clock
        return .sql(database, clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration,
                    capabilities: configuration.path == ":memory:" ? [.injectableClock] : [.injectableClock, .durable], owner: self)
    }

    /// Finishes queued work and closes every connection.
    public func close() async {
        await database.close()
    }

    /// Test hook: the storage whose stores these are.
    @_spi(Testing)
    public static func owner(of stores: IdentityStores) -> SQLiteIdentityStorage? {
        IdentityStores.sqlOwner(of: stores, over: SQLiteDatabase.self) as? SQLiteIdentityStorage
    }

    /// Test hook: damages a stored row behind the stores' back (see ``StoredDataCorruption``).
    @_spi(Testing)
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        switch corruption {
        case .clientRefreshTokenUsage(let clientId):
            try await executeRaw("UPDATE clients SET document = json_set(document, '$.refreshTokenUsage', 7) WHERE client_id = ?", [clientId])
        case .clientAccessTokenType(let clientId):
            try await executeRaw("UPDATE clients SET document = json_set(document, '$.accessTokenType', 9) WHERE client_id = ?", [clientId])
        case .keyRingElement(let id):
            try await executeRaw("UPDATE key_ring SET xml = CAST(x'C328' AS TEXT) WHERE id = ?", [String(id)])
        case .grantData(let key):
            try await executeRaw("UPDATE persisted_grants SET data = CAST(x'C328' AS TEXT) WHERE key = ?", [key])
        }
    }

    /// Test hook: runs raw SQL on the writer, for corrupting rows on purpose.
    @_spi(Testing)
    public func executeRaw(_ sql: String, _ textArguments: [String] = []) async throws {
        try await database.write { connection in
            _ = try connection.run(sql, textArguments.map(SQLValue.text))
        }
    }

    /// Test hook: every statement that selects rows by something other than a primary key, with sample
    /// arguments, so tests can check that each one uses an index.
    @_spi(Testing)
    public static func indexedStatements() throws -> [(name: String, sql: String, arguments: [String])] {
        var statements: [(name: String, sql: String, arguments: [String])] = []
        for (name, filter) in GrantFilterSQL.allShapes() {
            guard let (condition, values) = try GrantFilterSQL.condition(filter, dialect: .sqlite) else { continue }
            let arguments = values.map { value -> String in if case .text(let text) = value { return text } else { return "" } }
            statements.append(("grants filter " + name, "SELECT key FROM persisted_grants WHERE \(condition)", arguments))
        }
        for (name, sql) in SQLCleanupStore<SQLiteDatabase>.Batches(.sqlite).selections {
            statements.append(("cleanup " + name, sql, ["0", "10"]))
        }
        statements += [
            ("device by user code", "SELECT device_code FROM device_codes WHERE user_code = ?", ["u"]),
            ("sessions by subject", "SELECT key FROM server_side_sessions WHERE subject_id = ?", ["s"]),
            ("sessions by session id", "SELECT key FROM server_side_sessions WHERE session_id = ?", ["x"]),
            ("backchannel logins", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ?", ["s"]),
            ("backchannel logins of a client", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ? AND client_id = ?", ["s", "c"]),
            ("cors origin", "SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1", ["https://a"]),
            ("api resources by scope", "SELECT resource_name FROM api_resource_scopes WHERE scope IN (SELECT value FROM json_each(?))", ["[\"s\"]"]),
            ("signing keys created after", "SELECT 1 FROM signing_keys WHERE created > ?", ["0"]),
        ]
        return statements
    }

    /// Test hook: the query plan SQLite chooses for `sql`, one line per step.
    @_spi(Testing)
    public func queryPlan(_ sql: String, _ arguments: [String] = []) async throws -> [String] {
        try await database.read { connection in
            try connection.query("EXPLAIN QUERY PLAN " + sql, arguments.map(SQLValue.text)) { row in try row.text(3) }
        }
    }
}
