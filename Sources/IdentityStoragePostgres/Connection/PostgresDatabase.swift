import Foundation
import IdentityStorage
import IdentityStorageBlockingPool

/// The connections of one storage: a ``BlockingConnectionPool`` of ``PostgresConnection``s, each on
/// its own thread, serving callers first come, first served.
///
/// Why this shape: libpq calls block, and a `PGconn` must be used by one thread at a time. A thread
/// per connection keeps both rules by construction and keeps blocking calls off Swift's cooperative
/// pool; each call is one job that runs its statements (or its whole transaction) on one connection.
/// A connection that breaks is replaced on the next call (the failed call reports `unavailable`);
/// one the server dropped while idle is re-opened before it is used, so that call still succeeds.
final class PostgresDatabase: Sendable {
    private let pool: BlockingConnectionPool<PostgresConnection>
    let schema: String
    let roundTrips: RoundTripCounter

    private init(pool: BlockingConnectionPool<PostgresConnection>, schema: String, roundTrips: RoundTripCounter) {
        self.pool = pool
        self.schema = schema
        self.roundTrips = roundTrips
    }

    static func open(_ configuration: PostgresIdentityStorage.Configuration) async throws -> PostgresDatabase {
        try configuration.validate()
        let settings = PostgresConnectionSettings(configuration)
        let pool = BlockingConnectionPool(configuration: .init(
            size: configuration.poolSize, acquireTimeout: configuration.acquireTimeout,
            healthCheckInterval: configuration.healthCheckInterval, threadName: "postgres")) {
            try PostgresConnection(settings: settings)
        }
        let schema = configuration.schema
        do {
            // Migrates now, so a bad address or a newer schema fails `open`, not the first call.
            _ = try await pool.withConnection { connection in try PostgresSchema.migrate(connection, schema: schema) }
        } catch {
            await pool.shutdown()
            throw error
        }
        return PostgresDatabase(pool: pool, schema: schema, roundTrips: settings.roundTrips)
    }

    /// Runs `body` with a connection, on the connection's thread.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    /// Runs `body` in a transaction holding the schema's advisory lock for `purpose`, so that writers
    /// of one kind (conditional key stores) take turns across every instance.
    func locked<T: Sendable>(_ purpose: String, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let key = PostgresSchema.lockKey(purpose, schema: schema)
        return try await pool.withConnection { connection in
            try connection.transaction {
                try connection.run("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(key)])
                return try body(connection)
            }
        }
    }

    func close() async {
        await pool.shutdown()
    }
}
