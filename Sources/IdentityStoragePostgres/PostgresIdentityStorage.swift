import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The PostgreSQL adapter: every store on the system libpq, for deployments where many server
/// instances share one database.
///
/// ```swift
/// // From a store URL (`postgres://user:password@host:5432/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&schema=identity`):
/// let storage = try await PostgresIdentityStorage.open(.init(url: try StoreURL(parsing: url)))
/// let stores = storage.makeStores()
/// ```
///
/// A pool of libpq connections, each on its own thread (libpq calls block and must stay off Swift's
/// cooperative pool); prepared statements cached per connection; the schema migrated on open under an
/// advisory lock; every atomic primitive a single statement or a short transaction (see each store). The
/// stores are the generic SQL stores of `IdentityStorageSQL` (`Sources/IdentityStorageSQL/Stores/SQL<Store>.swift`)
/// over `PostgresDatabase`, with the PostgreSQL dialect (`SQLDialect.postgres`, in `Connection/PostgresSchema.swift`).
/// Expiry is judged against the configured ``Configuration/clock``, passed to the server as a parameter.
public final class PostgresIdentityStorage: ConfigurableBackend {
    package let database: PostgresDatabase
    /// The settings this backend was opened with.
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
    public func schemaVersion() async throws -> Int? {
        try await database.run { connection in
            try SQLMigrations.appliedVersion(connection)
        }
    }

    /// Every store over this database. `clock` overrides the configured clock (tests pass a manual one).
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let clock = clock ?? configuration.clock
        return .sql(database, clock: clock, messageSlidingExpiration: configuration.messageSlidingExpiration.inSeconds,
                    capabilities: [.injectableClock, .durable, .refreshTokenFamilies])
    }

    /// Finishes queued work and closes every connection.
    public func close() async {
        await database.close()
    }
}
