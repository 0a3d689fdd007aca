import IdentityStorage
import IdentityStorageSQL

/// What `idstore doctor` checks of the MariaDB user: CREATE on the database for migrations, and SELECT, INSERT,
/// UPDATE, DELETE on each table for the stores (no procedure, trigger or event of the adapter needs more;
/// `GET_LOCK` needs no privilege).
///
/// MariaDB has no `has_table_privilege`, and its information_schema privilege views leave out roles; but it checks
/// privileges when a statement is prepared. So each check prepares a statement (`PREPARE`, never executed, then
/// deallocated): refused with 1142 means the privilege is missing; prepared, or refused for another reason (an
/// unknown column after the privilege check passed), means it is there.
extension MariaDBIdentityStorage {
    func accountDiagnoses(migrationsPending: Bool) async throws -> [Diagnosis] {
        let tables = SQLPrivilegeCheck.tables(createdBy: [MariaDBSchema.bookkeeping] + MariaDBSchema.migrations.sorted { $0.key < $1.key }.flatMap(\.value))
        let (user, database, create, missing, checked) = try await self.database.run { connection in
            let names = try connection.textQuery("SELECT CURRENT_USER(), DATABASE()").first ?? []
            let create = try Self.prepares("CREATE TABLE identitystorage_doctor_probe (x INT)", on: connection) ?? true
            var missing: [(table: String, privileges: [String])] = []
            var checked = 0
            for table in tables {
                let probes = [
                    "SELECT": "SELECT 1 FROM `\(table)` LIMIT 0", "INSERT": "INSERT INTO `\(table)` () VALUES ()",
                    "UPDATE": "UPDATE `\(table)` SET `identitystorage_doctor_probe` = 1 WHERE 0", "DELETE": "DELETE FROM `\(table)` WHERE 0",
                ]
                var lacking: [String] = []
                var exists = true
                for privilege in SQLPrivilegeCheck.privileges(for: table) {
                    guard let granted = try Self.prepares(probes[privilege]!, on: connection) else { exists = false; break }
                    if !granted { lacking.append(privilege) }
                }
                guard exists else { continue }
                checked += 1
                if !lacking.isEmpty { missing.append((table, lacking)) }
            }
            return (names.first ?? nil, names.dropFirst().first ?? nil, create, missing, checked)
        }
        let grantee = Self.grantee(user ?? "?")
        let account = "user \(grantee)"
        let schema = "`\(database ?? configuration.database)`"
        var findings: [Diagnosis] = []
        if create {
            findings.append(Diagnosis("\(account) on database \(schema)", found: "CREATE"))
        } else {
            findings.append(Diagnosis("\(account) on database \(schema)", found: "no CREATE" + (migrationsPending ? "" : " (future migrations need it, or a DBA applies them)"),
                                      fix: migrationsPending ? "migrations are pending and create tables: GRANT CREATE ON \(schema).* TO \(grantee), "
                                        + "or have a DBA apply idstore migrate --print-sql" : nil))
        }
        findings.append(SQLPrivilegeCheck.diagnosis(account: account, checked: checked, missing: missing,
                                                    grant: "GRANT SELECT, INSERT, UPDATE, DELETE ON \(schema).* TO \(grantee)"))
        return findings
    }

    /// Whether the server prepares `sql` for this user: false when it refuses a privilege, nil when the table does not
    /// exist, true when it prepares it or fails past the privilege check (an unknown column).
    private static func prepares(_ sql: String, on connection: MariaDBConnection) throws(IdentityStorageError) -> Bool? {
        do {
            try connection.execute("PREPARE identitystorage_doctor FROM '\(sql)'")
        } catch where error.code == .permissionDenied {
            return false
        } catch where error.mariaDBErrno == MariaDBErrors.noSuchTable {
            return nil
        } catch where error.mariaDBErrno == MariaDBErrors.badField {
            return true
        }
        try connection.execute("DEALLOCATE PREPARE identitystorage_doctor")
        return true
    }

    /// `'user'@'host'` from `CURRENT_USER()`'s `user@host`.
    private static func grantee(_ current: String) -> String {
        guard let at = current.lastIndex(of: "@") else { return "'\(current)'" }
        return "'\(current[..<at])'@'\(current[current.index(after: at)...])'"
    }
}
