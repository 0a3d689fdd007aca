import ArgumentParser
import IdentityStorage

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply schema migrations and print the schema version of every store of the deployment.",
        discussion: """
            --status and --print-sql change nothing: they print the applied and pending versions, or the SQL a DBA \
            reviews and applies by hand (psql, mariadb, sqlite3); the stores accept a schema applied that way exactly \
            as one applied by migrate.
            """)

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print the applied and pending migrations of every store; change nothing.")
    var status = false

    @Flag(help: "Print the SQL of the pending migrations, in each store's dialect; change nothing.")
    var printSQL = false

    func validate() throws {
        if status, printSQL { throw ValidationError("--status and --print-sql cannot be given together") }
    }

    func run() async throws {
        let looking = status || printSQL
        try await options.withDeployment(migrate: !looking) { deployment in
            for (index, store) in deployment.stores.enumerated() {
                let parts = deployment.isMixed ? " (\(deployment.parts(of: index).names))" : ""
                let label = (printSQL ? "-- " : "") + Terminal.label(store.url)
                if looking, let schema = store.backend as? any SchemaMigrating {
                    if status {
                        Terminal.print("\(label)\(try await schema.schemaStatus())\(parts)")
                    } else {
                        let sql = try await schema.pendingMigrationSQL()
                        Terminal.print("\(label)\(sql.isEmpty ? "up to date, nothing to apply" : "pending migrations")\(parts)")
                        if !sql.isEmpty { Terminal.print(sql) }
                    }
                } else if let version = try await store.schemaVersion() {
                    Terminal.print("\(label)schema version \(version)\(looking ? " (its migrations cannot be listed)" : "")\(parts)")
                } else {
                    Terminal.print("\(label)no schema (this backend keeps none)\(parts)")
                }
            }
        }
    }
}
