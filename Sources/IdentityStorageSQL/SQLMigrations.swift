import Foundation
import IdentityStorage

/// The bookkeeping of schema migrations every SQL adapter shares: the `identity_storage_migrations` table
/// records each applied version. Each adapter keeps what differs: creating that table in its own types, and
/// the exclusion around a migration (a `BEGIN IMMEDIATE` transaction, an advisory lock, `GET_LOCK`).
package enum SQLMigrations {
    /// The highest applied migration; 0 for a new database.
    package static func appliedVersion<Connection: SQLConnection>(_ connection: Connection) throws -> Int {
        try connection.query("SELECT coalesce(max(version), 0) FROM identity_storage_migrations", []) { try $0.int(0) }.first ?? 0
    }

    /// Runs `apply` for every migration after the applied one up to `latest`, recording each, and returns
    /// `latest`. A database that records a newer version than `latest` is refused with `schemaMismatch`
    /// (`database` names it in the message) and left as it is.
    @discardableResult
    package static func applyPending<Connection: SQLConnection>(_ connection: Connection, dialect: SQLDialect, latest: Int, database: String,
                                                             apply: (Int) throws -> Void) throws -> Int {
        let applied = try appliedVersion(connection)
        if applied > latest {
            throw IdentityStorageError(.schemaMismatch, "\(database) has schema version \(applied); this library knows versions up to \(latest). Upgrade IdentityStorage.")
        }
        let record = dialect.translate("INSERT INTO identity_storage_migrations(version, applied_at) VALUES (?, ?)")
        for version in stride(from: applied + 1, through: latest, by: 1) {
            try apply(version)
            try connection.run(record, [.int(version), .date(.now)])
        }
        return latest
    }
}
