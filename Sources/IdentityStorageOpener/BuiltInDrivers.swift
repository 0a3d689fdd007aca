import IdentityStorage
import IdentityStorageFile
import IdentityStorageMariaDB
import IdentityStorageMemory
import IdentityStoragePostgres
import IdentityStorageRedis
import IdentityStorageSQLite

extension Array where Element == any IdentityStorageDriver {
    /// The drivers of every adapter this package builds: memory, SQLite, PostgreSQL, MariaDB, Redis (and Redis Cluster),
    /// and file (configuration and key material only).
    ///
    /// Depending on `IdentityStorageOpener` links every adapter; a server that uses one backend can depend on that
    /// adapter alone and register its driver: `StoreOpener(drivers: [PostgresDriver()])`.
    public static var builtIn: [any IdentityStorageDriver] {
        [MemoryDriver(), SQLiteDriver(), PostgresDriver(), MariaDBDriver(), RedisDriver(), FileDriver()]
    }
}

extension StoreOpener {
    /// An opener with the built-in drivers: `try await StoreOpener.builtIn.open(url: "sqlite:identity.db")`.
    public static var builtIn: StoreOpener { StoreOpener(drivers: .builtIn) }
}
