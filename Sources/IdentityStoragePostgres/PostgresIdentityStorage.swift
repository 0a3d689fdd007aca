import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The PostgreSQL adapter: every store on the system libpq, for deployments where many server
/// instances share one database.
///
/// ```swift
/// // From a store URL (`postgres://user:password@host:5432/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&schema=identity`):
/// guard case .postgres(let address) = try StoreLocation(parsing: url) else { … }
/// let storage = try await PostgresIdentityStorage.open(.init(address: address))
/// let stores = storage.makeStores()
/// ```
///
/// A pool of libpq connections, each on its own thread (libpq calls block and must stay off Swift's
/// cooperative pool); prepared statements cached per connection; the schema migrated on open under an
/// advisory lock; every atomic primitive a single statement or a short transaction (see each store). The
/// stores are the generic SQL stores of `IdentityStorageSQL` (`Sources/IdentityStorageSQL/Stores/SQL<Store>.swift`)
/// over ``PostgresDatabase``, with the PostgreSQL dialect (`SQLDialect.postgres`, in `Connection/PostgresSchema.swift`).
/// Expiry is judged against the configured ``Configuration/clock``, passed to the server as a parameter.
public final class PostgresIdentityStorage: Sendable {
    let database: PostgresDatabase
    public let configuration: Configuration

    private init(database: PostgresDatabase, configuration: Configuration) {
        self.database = database
        self.configuration = configuration
    }

    /// Connects and migrates the schema (creating it when missing).
    public static func open(_ configuration: Configuration) async throws -> PostgresIdentityStorage {
        let database = try await PostgresDatabase.open(configuration)
        return PostgresIdentityStorage(database: database, configuration: configuration)
    }

    /// The schema version in force.
    public func schemaVersion() async throws -> Int {
        try await database.run { connection in
            try SQLMigrations.appliedVersion(connection)
        }
    }

    /// Every store over this database. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let clock = clock ?? configuration.clock
        return .sql(database, clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration,
                    capabilities: [.injectableClock, .durable], owner: self)
    }

    /// Finishes queued work and closes every connection.
    public func close() async {
        await database.close()
    }

    // MARK: Test hooks

    /// Test hook: the storage whose stores these are.
    @_spi(Testing)
    public static func owner(of stores: IdentityStores) -> PostgresIdentityStorage? {
        IdentityStores.sqlOwner(of: stores, over: PostgresDatabase.self) as? PostgresIdentityStorage
    }

    /// Test hook: damages a stored row behind the stores' back (see ``StoredDataCorruption``).
    ///
    /// Invalid UTF-8 cannot enter a `text` column through any input path of a UTF8 database (the
    /// server validates every string); the hook briefly declares a binary-coercible cast from `bytea`
    /// to `text` inside its own transaction (never visible to other sessions: it is dropped before
    /// commit), which needs a superuser, as the test servers' user is.
    @_spi(Testing)
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        switch corruption {
        case .clientRefreshTokenUsage(let clientId):
            try await executeRaw("UPDATE clients SET document = jsonb_set(document::jsonb, '{refreshTokenUsage}', '7')::text WHERE client_id = $1", [clientId])
        case .clientAccessTokenType(let clientId):
            try await executeRaw("UPDATE clients SET document = jsonb_set(document::jsonb, '{accessTokenType}', '9')::text WHERE client_id = $1", [clientId])
        case .keyRingElement(let id):
            try await writeInvalidUTF8(table: "key_ring", column: "xml", keyColumn: "id", key: String(id))
        case .grantData(let key):
            try await writeInvalidUTF8(table: "persisted_grants", column: "data", keyColumn: "key", key: key)
        }
    }

    /// Test hook: stores the bytes C3 28 (not UTF-8) in a text column of one row.
    @_spi(Testing)
    public func writeInvalidUTF8(table: String, column: String, keyColumn: String, key: String) async throws {
        let lock = PostgresSchema.lockKey("corrupt", schema: database.schema)
        try await database.run { connection in
            try connection.transaction {
                // Serialises corruptions: two sessions creating the same cast would collide in pg_cast.
                try connection.run("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(lock)])
                try connection.executeScript("CREATE CAST (bytea AS text) WITHOUT FUNCTION")
                try connection.run("UPDATE \(table) SET \(column) = '\\xc328'::bytea::text WHERE \(keyColumn)::text = $1", [.text(key)], cached: false)
                try connection.executeScript("DROP CAST (bytea AS text)")
            }
        }
    }

    /// Test hook: runs raw SQL (parameters as text, not prepared); returns the rows as text (NULL as nil,
    /// `bytea` as its bytes read as UTF-8). Errors are mapped as the stores map them.
    @_spi(Testing)
    @discardableResult
    public func executeRaw(_ sql: String, _ textArguments: [String] = []) async throws -> [[String?]] {
        try await database.run { connection in
            try connection.query(sql, textArguments.map(SQLValue.text), cached: false) { row in
                try (0..<row.columnCount).map { column -> String? in
                    if row.isNull(column) { return nil }
                    if row.isInteger(column) { return String(try row.int64(column)) }
                    return try row.text(column)
                }
            }
        }
    }

    /// Test hook: runs `sql` (several statements allowed, no parameters) on one connection of the pool.
    @_spi(Testing)
    public func executeScript(_ sql: String) async throws {
        try await database.run { connection in try connection.executeScript(sql) }
    }

    /// Test hook: statements sent to the server so far by every connection (each one round trip;
    /// preparing a statement, once per connection, is one more).
    @_spi(Testing)
    public var roundTrips: Int { database.roundTrips.value }

    /// Test hook: every statement that selects rows by something other than a primary key, with sample
    /// arguments, so tests can check with `EXPLAIN` that each one uses an index.
    @_spi(Testing)
    public static func indexedStatements() throws -> [(name: String, sql: String, arguments: [String])] {
        var statements: [(name: String, sql: String, arguments: [String])] = []
        for (name, filter) in GrantFilterSQL.allShapes() {
            guard let (condition, values) = try GrantFilterSQL.condition(filter, dialect: .postgres) else { continue }
            let arguments = values.map { value -> String in if case .text(let text) = value { return text } else { return "" } }
            statements.append(("grants filter " + name, "SELECT key FROM persisted_grants WHERE \(condition)", arguments))
        }
        for (name, sql) in SQLCleanupStore<PostgresDatabase>.Batches(.postgres).selections {
            statements.append(("cleanup " + name, sql, ["0", "10"]))
        }
        let list = SQLDialect.postgres.inJSONArray
        statements += [
            ("device by user code", "SELECT device_code FROM device_codes WHERE user_code = $1", ["u"]),
            ("sessions by subject", "SELECT key FROM server_side_sessions WHERE subject_id = $1", ["s"]),
            ("sessions by session id", "SELECT key FROM server_side_sessions WHERE session_id = $1", ["x"]),
            ("sessions by subject and session id", "SELECT key FROM server_side_sessions WHERE subject_id = $1 AND session_id = $2", ["s", "x"]),
            ("backchannel logins", "SELECT internal_id FROM backchannel_requests WHERE subject_id = $1", ["s"]),
            ("backchannel logins of a client", "SELECT internal_id FROM backchannel_requests WHERE subject_id = $1 AND client_id = $2", ["s", "c"]),
            ("cors origin", "SELECT 1 FROM client_cors_origins WHERE origin = $1 LIMIT 1", ["https://a"]),
            ("cors origins of a client", "DELETE FROM client_cors_origins WHERE client_id = $1", ["c"]),
            ("identity resources by name", "SELECT name, document FROM identity_resources WHERE \(list("name", "$1"))", ["[\"s\"]"]),
            ("api resources by scope", "SELECT resource_name FROM api_resource_scopes WHERE \(list("scope", "$1"))", ["[\"s\"]"]),
            ("api resource scopes of a resource", "DELETE FROM api_resource_scopes WHERE resource_name = $1", ["r"]),
            ("signing keys created after", "SELECT 1 FROM signing_keys WHERE created > $1::bigint", ["0"]),
        ]
        return statements
    }
}
