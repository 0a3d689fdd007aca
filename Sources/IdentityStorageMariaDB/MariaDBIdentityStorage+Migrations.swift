import IdentityStorage
import IdentityStorageSQL

/// The schema for a DBA: its status, and the SQL the `mariadb` client applies to the configured database
/// (`idstore migrate --status`, `--print-sql`). MariaDB's DDL is not transactional: the statements run one by one.
extension MariaDBIdentityStorage: SchemaMigrating {
    public func schemaStatus() async throws -> SchemaStatus {
        try await database.schemaStatus(tableExists: MariaDBSchema.bookkeepingExists, latest: MariaDBSchema.currentVersion)
    }

    public func pendingMigrationSQL() async throws -> String {
        SQLMigrations.script(try await schemaStatus(), bookkeeping: MariaDBSchema.bookkeeping,
                             migrations: MariaDBSchema.migrations.mapValues { statements in
                                 // The `mariadb` client splits at `;`: a routine's body goes between DELIMITER lines.
                                 statements.map { $0.contains("CREATE OR REPLACE PROCEDURE") ? "DELIMITER $$\n\($0)$$\nDELIMITER ;" : $0 + ";" }
                                     .joined(separator: "\n")
                             })
    }
}
