import IdentityStorage
import IdentityStorageSQL

/// What `idstore doctor` checks of the PostgreSQL role: the privileges the migrations need (CREATE on the schema, or
/// on the database while the schema does not exist) and the stores need (USAGE on the schema; SELECT, INSERT,
/// UPDATE, DELETE on every table; EXECUTE on the functions they call: `pg_notify` for configuration changes, the
/// advisory locks). `LISTEN` needs no privilege; the key ring's identity column needs none on its sequence.
extension PostgresIdentityStorage {
    func accountDiagnoses(migrationsPending: Bool) async throws -> [Diagnosis] {
        let schema = configuration.schema
        let (account, tables) = try await database.run { connection in
            let account = try connection.query("""
                SELECT current_user, current_database(), has_database_privilege(current_database(), 'CREATE')::int,
                       (SELECT has_schema_privilege(n.oid, 'USAGE')::int FROM pg_namespace n WHERE n.nspname = $1::text),
                       (SELECT has_schema_privilege(n.oid, 'CREATE')::int FROM pg_namespace n WHERE n.nspname = $1::text),
                       has_function_privilege('pg_notify(text,text)', 'EXECUTE')::int,
                       has_function_privilege('pg_advisory_xact_lock(bigint)', 'EXECUTE')::int,
                       has_function_privilege('pg_advisory_xact_lock(integer,integer)', 'EXECUTE')::int
                """, [.text(schema)], cached: false) { row in
                (role: try row.text(0), database: try row.text(1), createOnDatabase: try row.bool(2),
                 usage: try row.isNull(3) ? nil : row.bool(3), createOnSchema: try row.isNull(4) ? nil : row.bool(4),
                 notify: try row.bool(5), locks: try row.bool(6) && row.bool(7))
            }.first
            let tables = try connection.query("""
                SELECT c.relname, has_table_privilege(c.oid, 'SELECT')::int, has_table_privilege(c.oid, 'INSERT')::int,
                       has_table_privilege(c.oid, 'UPDATE')::int, has_table_privilege(c.oid, 'DELETE')::int
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1::text AND c.relkind IN ('r', 'p')
                """, [.text(schema)], cached: false) { row in
                (name: try row.text(0), held: try (1...4).map { try row.bool($0) })
            }
            return (account, tables)
        }
        guard let account else { throw IdentityStorageError(.unavailable, "PostgreSQL did not describe the current role") }
        let role = "role \(account.role)"
        var findings: [Diagnosis] = []
        if let usage = account.usage, let create = account.createOnSchema {
            let held = ["USAGE", "CREATE"].enumerated().filter { [usage, create][$0.offset] }.map(\.element)
            let found = held.isEmpty ? "no privilege" : held.joined(separator: ", ")
            if !usage {
                findings.append(Diagnosis("\(role) on schema \(schema)", found: found,
                                          fix: "the stores cannot reach their tables: GRANT USAGE ON SCHEMA \(schema) TO \(account.role)"))
            } else if !create, migrationsPending {
                findings.append(Diagnosis("\(role) on schema \(schema)", found: found, fix: "migrations are pending and create tables: "
                    + "GRANT CREATE ON SCHEMA \(schema) TO \(account.role), or have a DBA apply idstore migrate --print-sql"))
            } else {
                findings.append(Diagnosis("\(role) on schema \(schema)", found: found + (create ? "" : " (future migrations need CREATE, or a DBA applies them)")))
            }
        } else {
            findings.append(Diagnosis("\(role) on database \(account.database)", found: account.createOnDatabase ? "CREATE (migrations create schema \(schema))" : "no CREATE",
                                      fix: account.createOnDatabase ? nil : "schema \(schema) does not exist and migrations would create it: "
                                        + "GRANT CREATE ON DATABASE \(account.database) TO \(account.role), or CREATE SCHEMA \(schema) AUTHORIZATION \(account.role)"))
        }
        let expected = SQLPrivilegeCheck.tables(createdBy: [PostgresSchema.bookkeeping] + PostgresSchema.migrations.sorted { $0.key < $1.key }.map(\.value))
        var missing: [(table: String, privileges: [String])] = []
        var checked = 0
        for table in tables where expected.contains(table.name) {
            checked += 1
            let lacking = SQLPrivilegeCheck.privileges(for: table.name).filter { !table.held[SQLPrivilegeCheck.tablePrivileges.firstIndex(of: $0)!] }
            if !lacking.isEmpty { missing.append((table.name, lacking)) }
        }
        findings.append(SQLPrivilegeCheck.diagnosis(account: role, checked: checked, missing: missing,
                                                    grant: "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schema) TO \(account.role)"))
        findings.append(Diagnosis("\(role) functions", found: account.locks ? "EXECUTE on pg_advisory_xact_lock" : "no EXECUTE on pg_advisory_xact_lock",
                                  fix: account.locks ? nil : "key stores, the cache and migrations take advisory locks: GRANT EXECUTE ON FUNCTION "
                                    + "pg_advisory_xact_lock(bigint), pg_advisory_xact_lock(integer, integer) TO \(account.role)"))
        findings.append(Diagnosis("\(role) configuration notifications", found: account.notify ? "EXECUTE on pg_notify" : "no EXECUTE on pg_notify",
                                  fix: account.notify ? nil : "configuration writes notify other instances: GRANT EXECUTE ON FUNCTION pg_notify(text, text) TO \(account.role)",
                                  concerns: [.configuration]))
        return findings
    }
}
