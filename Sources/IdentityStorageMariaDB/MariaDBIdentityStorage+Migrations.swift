import IdentityStorage
import IdentityStorageSQL

/// The schema for a DBA: its status, and the SQL the `mariadb` client applies to the configured database
/// (`idstore migrate --status`, `--print-sql`). MariaDB's DDL is not transactional: the statements run one by one.
extension MariaDBIdentityStorage: SchemaMigrating {
    public func schemaStatus() async throws -> SchemaStatus {
        let applied = try await database.run { connection in
            try SQLMigrations.appliedVersions(connection, tableExists: MariaDBSchema.bookkeepingExists)
        }
        return SchemaStatus(applied: applied, latest: MariaDBSchema.currentVersion)
    }

    public func pendingMigrationSQL() async throws -> String {
        SQLMigrations.script(try await schemaStatus(), bookkeeping: MariaDBSchema.bookkeeping,
                             migrations: MariaDBSchema.migrations.mapValues { $0.joined(separator: ";\n") })
    }
}
