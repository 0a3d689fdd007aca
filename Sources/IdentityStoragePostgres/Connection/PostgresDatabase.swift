import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

/// The connections of one storage: a ``BlockingConnectionPool`` of ``PostgresConnection``s, each on
/// its own thread, serving callers first come, first served.
///
/// Why this shape: libpq calls block, and a `PGconn` must be used by one thread at a time. A thread
/// per connection keeps both rules by construction and keeps blocking calls off Swift's cooperative
/// pool; each call is one job that runs its statements (or its whole transaction) on one connection.
/// Standalone statements (a grant's get, store, take, consume) queued beyond the free connections may run in one
/// pipeline (``PostgresConnection/pipeline(_:)``, up to the configuration's `pipelineDepth`).
/// A connection that breaks is replaced on the next call (the failed call reports `unavailable`);
/// one the server dropped while idle is re-opened before it is used, so that call still succeeds.
package final class PostgresDatabase: SQLPooledDatabase {
    private let pool: BlockingConnectionPool<PostgresConnection>
    /// Standalone statements queued together beyond the free connections share one connection turn: one pipeline,
    /// one round trip, one wake-up (up to `pipelineDepth` statements).
    private let standalone: ConnectionBatch<PostgresConnection, PipelinedStatement, Result<any Sendable, any Error>>
    let schema: String
    let roundTrips: RoundTripCounter
    /// The PostgreSQL dialect with this schema's cache lock class.
    package let dialect: SQLDialect

    private init(pool: BlockingConnectionPool<PostgresConnection>, schema: String, roundTrips: RoundTripCounter, pipelineDepth: Int) {
        self.pool = pool
        standalone = ConnectionBatch(maximum: pipelineDepth, leavesCallsToWokenThreads: true) { connection, statements in
            try connection.pipeline(statements)
        }
        self.schema = schema
        self.roundTrips = roundTrips
        self.dialect = .postgres(schema: schema)
    }

    package static func open(_ configuration: PostgresIdentityStorage.Configuration) async throws -> PostgresDatabase {
        try configuration.validate()
        let settings = PostgresConnectionSettings(configuration)
        let pool = BlockingConnectionPool(configuration: .init(
            size: configuration.poolSize, acquireTimeout: configuration.acquireTimeout,
            healthCheckInterval: configuration.healthCheckInterval, threadName: "postgres",
            telemetry: PoolTelemetry(configuration.observability, backend: "postgresql", pool: "\(configuration.host):\(configuration.port)"))) {
            try PostgresConnection(settings: settings)
        }
        let schema = configuration.schema
        let logger = configuration.observability.logger
        do {
            // Migrates now, so a bad address or a newer schema fails `open`, not the first call.
            if configuration.migratesOnOpen {
                _ = try await pool.withConnection { connection in try PostgresSchema.migrate(connection, schema: schema, logger: logger) }
            } else {
                try await pool.warmUp()
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        return PostgresDatabase(pool: pool, schema: schema, roundTrips: settings.roundTrips, pipelineDepth: configuration.pipelineDepth)
    }

    /// Runs `body` with a connection, on the connection's thread (see ``SQLPooledDatabase/run(interruptible:_:)``).
    @discardableResult
    package func run<T: Sendable>(interruptible: Bool, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withConnection(interruptible: interruptible, body)
    }

    /// Runs `body` in a transaction holding the schema's advisory lock for `purpose`, so that writers
    /// of one kind (conditional key stores) take turns across every instance.
    package func locked<T: Sendable>(_ purpose: String, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let key = PostgresSchema.lockKey(purpose, schema: schema)
        return try await pool.withConnection { connection in
            try connection.transaction {
                try connection.run("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(key)])
                return try body(connection)
            }
        }
    }


    /// Runs `body` in a READ COMMITTED transaction.
    @discardableResult
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await run { connection in try connection.transaction { try body(connection) } }
    }

    /// Runs `body` in a REPEATABLE READ, READ ONLY transaction: one snapshot throughout.
    @discardableResult
    package func snapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await run(interruptible: true) { connection in
            try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try body(connection) }
        }
    }

    /// Runs `body` in a transaction holding the schema's advisory lock for `lock` (``locked(_:_:)-(String,_)``).
    @discardableResult
    package func locked<T: Sendable>(_ lock: SQLLock, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        // The advisory lock's key hashes the name written with `-` (`signing-keys`), as it always has: instances of
        // an older version, in a rolling upgrade, take the same lock.
        try await locked(lock.name.replacingOccurrences(of: "_", with: "-"), body)
    }

    package func standaloneQuery<T: Sendable>(_ sql: String, _ bindings: [SQLValue], writes: Bool,
                                              _ map: @escaping @Sendable (PostgresRow) throws -> T) async throws -> [T] {
        // Without pipelines a read stays interruptible, as every other read is.
        guard standalone.maximum > 1 else { return try await queryAlone(sql, bindings, writes: writes, map) }
        let statement = PipelinedStatement(sql: sql, bindings: bindings) { result in try result.rows(map) }
        // The statement's `consume` made the rows, so they are `[T]`.
        return try await pool.withConnection(batching: statement, in: standalone).get() as! [T]
    }

    @discardableResult
    package func standaloneRun(_ sql: String, _ bindings: [SQLValue]) async throws -> Int {
        guard standalone.maximum > 1 else { return try await runAlone(sql, bindings) }
        let statement = PipelinedStatement(sql: sql, bindings: bindings) { result in result.changes }
        return try await pool.withConnection(batching: statement, in: standalone).get() as! Int
    }

    package func close() async {
        await pool.shutdown()
    }
}
