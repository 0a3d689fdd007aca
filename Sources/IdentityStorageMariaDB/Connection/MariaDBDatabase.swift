import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import IdentityStorageSQL

/// The connections of one storage: a ``BlockingConnectionPool`` of ``MariaDBConnection``s, each on its
/// own thread. Every libmariadb call happens inside ``run(_:)``, on the connection's thread.
package final class MariaDBDatabase: SQLPooledDatabase {
    private let pool: BlockingConnectionPool<MariaDBConnection>
    let settings: MariaDBConnectionSettings

    private init(pool: BlockingConnectionPool<MariaDBConnection>, settings: MariaDBConnectionSettings) {
        self.pool = pool
        self.settings = settings
    }

    /// Starts the pool and migrates the schema on its first connection, so a bad address, bad credentials
    /// or a newer schema fail `open`, not the first call.
    package static func open(_ configuration: MariaDBIdentityStorage.Configuration) async throws -> MariaDBDatabase {
        let settings = try configuration.connectionSettings()
        // libmariadb is initialised here, once per process, before the pool starts any thread.
        guard mariaDBLibraryInitialized else {
            throw IdentityStorageError(.unavailable, "mysql_library_init failed: libmariadb could not be initialised")
        }
        let pool = BlockingConnectionPool(configuration: .init(size: configuration.poolSize, acquireTimeout: configuration.acquireTimeout,
                                                               healthCheckInterval: configuration.healthCheckInterval, threadName: "mariadb",
                                                               telemetry: PoolTelemetry(configuration.observability, backend: "mariadb",
                                                                                        pool: configuration.unixSocket ?? "\(configuration.host):\(configuration.port)"))) {
            try MariaDBConnection(settings: settings)
        }
        let database = MariaDBDatabase(pool: pool, settings: settings)
        do {
            let migrates = configuration.migratesOnOpen
            let logger = configuration.observability.logger
            try await database.run { connection in
                // Without migrations, the first connection only proves the address and credentials.
                if migrates { try MariaDBSchema.migrate(connection, database: settings.database, logger: logger) }
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        return database
    }

    /// Runs `body` on a pooled connection's thread. A connection the server closed while idle is reopened
    /// first; a body the server picked as a deadlock victim is run again (it was rolled back whole).
    @discardableResult
    package func run<T: Sendable>(interruptible: Bool, _ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        try await pool.withConnection(interruptible: interruptible) { connection in
            try connection.ensureOpen()
            return try connection.retryingDeadlocks { try body(connection) }
        }
    }

    /// Runs `body` in a transaction (retried whole after a deadlock).
    @discardableResult
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        try await run { connection in try connection.transaction { try body(connection) } }
    }

    package var dialect: SQLDialect { .mariadb }

    /// Runs `body` in a REPEATABLE READ transaction (the session default is READ COMMITTED), so its reads see
    /// one snapshot.
    @discardableResult
    package func snapshot<T: Sendable>(_ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        try await run(interruptible: true) { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return try connection.transaction { try body(connection) }
        }
    }

    /// Runs `body` in a transaction that first locks the row of `lock` in `identity_storage_locks`
    /// (`SELECT … FOR UPDATE`): instances deciding at once queue on it, and each sees what its predecessors stored.
    @discardableResult
    package func locked<T: Sendable>(_ lock: SQLLock, _ body: @escaping @Sendable (MariaDBConnection) throws -> T) async throws -> T {
        let name = lock.name
        return try await transaction { connection in
            try connection.lock(name)
            return try body(connection)
        }
    }

    package func close() async {
        await pool.shutdown()
    }
}
