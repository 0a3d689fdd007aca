import IdentityStorage
import IdentityStorageSQL

/// The schema for a DBA: its status, and the SQL `psql` applies, in one transaction, into the configured schema
/// (`idstore migrate --status`, `--print-sql`).
extension PostgresIdentityStorage: SchemaMigrating {
    public func schemaStatus() async throws -> SchemaStatus {
        try await database.schemaStatus(tableExists: PostgresSchema.bookkeepingExists, latest: PostgresSchema.currentVersion)
    }

    public func pendingMigrationSQL() async throws -> String {
        let schema = PostgresSchema.quoted(configuration.schema)
        return SQLMigrations.script(try await schemaStatus(), begin: ["BEGIN", "CREATE SCHEMA IF NOT EXISTS \(schema)", "SET LOCAL search_path TO \(schema)"],
                                    bookkeeping: PostgresSchema.bookkeeping, migrations: PostgresSchema.migrations, commit: ["COMMIT"])
    }
}
