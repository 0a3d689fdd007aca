import IdentityStorage
import IdentityStorageSQL

/// The schema for a DBA: its status, and the SQL `sqlite3` applies (`idstore migrate --status`, `--print-sql`).
extension SQLiteIdentityStorage: SchemaMigrating {
    public func schemaStatus() async throws -> SchemaStatus {
        try await database.schemaStatus(tableExists: SQLiteSchema.bookkeepingExists, latest: SQLiteSchema.currentVersion)
    }

    public func pendingMigrationSQL() async throws -> String {
        SQLMigrations.script(try await schemaStatus(), begin: ["BEGIN IMMEDIATE"], bookkeeping: SQLiteSchema.bookkeeping,
                             migrations: SQLiteSchema.migrations, commit: ["COMMIT"])
    }
}
