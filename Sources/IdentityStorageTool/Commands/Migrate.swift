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
                guard let schema = store.backend as? any SchemaMigrating else {
                    Terminal.print((printSQL ? "-- " : "") + "\(Terminal.label(store.url))no schema (this backend keeps none)\(parts)")
                    continue
                }
                if status {
                    Terminal.print("\(Terminal.label(store.url))\(try await schema.schemaStatus())\(parts)")
                } else if printSQL {
                    let sql = try await schema.pendingMigrationSQL()
                    Terminal.print("-- \(Terminal.label(store.url))\(sql.isEmpty ? "up to date, nothing to apply" : "pending migrations")\(parts)")
                    if !sql.isEmpty { Terminal.print(sql) }
                } else if let version = try await store.schemaVersion() {
                    Terminal.print("\(Terminal.label(store.url))schema version \(version)\(parts)")
                }
            }
        }
    }
}
