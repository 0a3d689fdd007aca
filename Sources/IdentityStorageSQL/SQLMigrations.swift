import Foundation
import IdentityStorage
import Logging

/// The bookkeeping of schema migrations every SQL adapter shares: the `identity_storage_migrations` table
/// (`version`, `applied_at`) records each applied version. Each adapter keeps what differs: its migrations' DDL,
/// creating that table in its own types, and the exclusion around a migration (a `BEGIN IMMEDIATE` transaction, an
/// advisory lock, `GET_LOCK`).
public enum SQLMigrations {
    /// The highest applied migration; 0 for a new database.
    public static func appliedVersion<Connection: SQLConnection>(_ connection: Connection) throws -> Int {
        try connection.query("SELECT coalesce(max(version), 0) FROM identity_storage_migrations", []) { try $0.int(0) }.first ?? 0
    }

    /// Runs `apply` for every migration after the applied one up to `latest`, recording each, and returns
    /// `latest`. A database that records a newer version than `latest` is refused with `schemaMismatch`
    /// (`database` names it in the message) and left as it is. Each version applied is logged (info), as is a refusal
    /// (error).
    @discardableResult
    public static func applyPending<Connection: SQLConnection>(_ connection: Connection, dialect: SQLDialect, latest: Int, database: String,
                                                             logger: Logger, apply: (Int) throws -> Void) throws -> Int {
        let applied = try appliedVersion(connection)
        if applied > latest {
            let error = IdentityStorageError(.schemaMismatch, "\(database) has schema version \(applied); this library knows versions up to \(latest). Upgrade IdentityStorage.")
            logger.info("schema is newer than this library", metadata: ["database": .string(database), "version": .stringConvertible(applied),
                                                                          "known": .stringConvertible(latest)])
            throw error
        }
        let record = dialect.translate("INSERT INTO identity_storage_migrations(version, applied_at) VALUES (?, ?)")
        for version in stride(from: applied + 1, through: latest, by: 1) {
            try apply(version)
            try connection.run(record, [.int(version), .date(.now)])
            logger.debug("schema migration applied", metadata: ["database": .string(database), "version": .stringConvertible(version)])
        }
        return latest
    }
}

extension SQLMigrations {
    /// The versions recorded as applied, ascending; none when the bookkeeping table does not exist yet
    /// (`tableExists`: the dialect's catalogue query, a row when it does).
    public static func appliedVersions<Connection: SQLConnection>(_ connection: Connection, tableExists: String) throws -> [Int] {
        guard try !connection.query(tableExists, [], { _ in true }).isEmpty else { return [] }
        return try connection.query("SELECT version FROM identity_storage_migrations ORDER BY version", []) { try $0.int(0) }
    }

    /// The SQL a DBA runs to apply what `status` says is pending, as `applyPending` would: `begin` (when the
    /// dialect has transactional DDL), the bookkeeping table, then each migration and the row that records it, then
    /// `commit`. Empty when nothing is pending.
    public static func script(_ status: SchemaStatus, begin: [String] = [], bookkeeping: String, migrations: [Int: String],
                               commit: [String] = [], at now: Date = Date()) -> String {
        guard !status.pending.isEmpty else { return "" }
        func statement(_ sql: String) -> String {
            let trimmed = sql.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.hasSuffix(";") ? trimmed : trimmed + ";"
        }
        var lines = ["-- IdentityStorage schema migrations \(status.pending.map(String.init).joined(separator: ", "))"]
        lines += begin.map(statement)
        lines.append(statement(bookkeeping))
        for version in status.pending {
            lines.append("-- migration \(version)")
            lines.append(statement(migrations[version]!))
            lines.append("INSERT INTO identity_storage_migrations(version, applied_at) VALUES (\(version), \(now.microsecondsSince1970));")
        }
        lines += commit.map(statement)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension SQLDatabase {
    /// The versions applied (read on the writer, which sees every commit) beside `latest`, for an adapter's schema
    /// status (`tableExists`: as in ``SQLMigrations/appliedVersions(_:tableExists:)``).
    public func schemaStatus(tableExists: String, latest: Int) async throws -> SchemaStatus {
        SchemaStatus(applied: try await write { try SQLMigrations.appliedVersions($0, tableExists: tableExists) }, latest: latest)
    }
}
