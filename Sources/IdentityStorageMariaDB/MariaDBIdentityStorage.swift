import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The MariaDB adapter (MariaDB 10.6+, tested on 10.11): every store on libmariadb (Connector/C 3.3),
/// for deployments where several instances share one database.
///
/// ```swift
/// let storage = try await MariaDBIdentityStorage.open(.init(url: try StoreURL(parsing: "mariadb://user:pw@host:3306/db")))
/// let stores = storage.makeStores()
/// ```
///
/// A pool of connections, each on its own thread (libmariadb calls block and must stay off Swift's
/// cooperative pool); server-side prepared statements cached per connection; the schema migrated on
/// open under `GET_LOCK`. The stores are the generic SQL stores of `IdentityStorageSQL`
/// (`Sources/IdentityStorageSQL/Stores/SQL<Store>.swift`) over `MariaDBDatabase`, with the MariaDB dialect
/// (`SQLDialect.mariadb`, in `Connection/MariaDBSchema.swift`). Expiry is judged against the configured ``Configuration/clock``, passed to
/// the server as a parameter: the server's clock and time zone play no part.
///
/// MySQL 8: the SQL keeps to what MySQL 8 also accepts (`ON DUPLICATE KEY UPDATE`, `FOR UPDATE SKIP LOCKED`,
/// `JSON_TABLE`, `GET_LOCK`, `STRAIGHT_JOIN`, `FORCE INDEX`, `IN (?, …)`) except where MariaDB's own form is
/// needed or cheaper: `DELETE … RETURNING` (take, cache remove; MySQL would need a transaction),
/// the `utf8mb4_nopad_bin` collation (MySQL 8: `utf8mb4_0900_bin`; both compare code points without
/// padding), and `VALUES(column)` in upserts (deprecated, still accepted, in MySQL 8.0.20+). Only MariaDB
/// 10.11 is tested.
public final class MariaDBIdentityStorage: ConfigurableBackend {
    package let database: MariaDBDatabase
    /// The settings this backend was opened with.
    public let configuration: Configuration

    private init(database: MariaDBDatabase, configuration: Configuration) {
        self.database = database
        self.configuration = configuration
    }

    /// Connects and migrates the schema (under `GET_LOCK`, so instances starting together all succeed).
    public static func open(_ configuration: Configuration) async throws -> MariaDBIdentityStorage {
        let database = try await MariaDBDatabase.open(configuration)
        return MariaDBIdentityStorage(database: database, configuration: configuration)
    }

    /// The schema version of the database.
    public func schemaVersion() async throws -> Int? {
        try await database.run { connection in try SQLMigrations.appliedVersion(connection) }
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
