import IdentityStorage
import IdentityStorageSQL

/// What `idstore doctor` checks on PostgreSQL: version and settings here, the role's privileges and the durability
/// settings in their own files.
extension PostgresIdentityStorage: StoreDiagnosing {
    public func diagnose() async throws -> [Diagnosis] {
        let row = try await database.run { connection in
            try connection.query("""
                SELECT current_setting('server_version'), current_setting('server_version_num'), pg_encoding_to_char(d.encoding),
                       d.datcollate, current_setting('TimeZone')
                FROM pg_database d WHERE d.datname = current_database()
                """, [], cached: false) { row in try (0..<5).map { try row.text($0) } }.first
        }
        guard let row else { throw IdentityStorageError(.unavailable, "PostgreSQL did not describe the current database") }
        let (version, versionNumber, encoding, collation, timeZone) = (row[0], Int(row[1]) ?? 0, row[2], row[3], row[4])
        var findings = [
            Diagnosis("server version", found: "PostgreSQL \(version)",
                      fix: versionNumber >= 120_000 ? nil : "IdentityStorage needs PostgreSQL 12 or newer (it is tested on 15)"),
            Diagnosis("encoding", found: encoding, fix: encoding == "UTF8" ? nil :
                "text is stored as UTF-8: create the database with CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 and move the data"),
            Diagnosis("collation", found: "\(collation) (keys compare with COLLATE \"C\" whatever the database's)"),
            Diagnosis("timezone", found: "\(timeZone) in the store's sessions (instants are stored as integers; the zone changes nothing)"),
        ]
        let status = try await schemaStatus()
        findings += try await accountDiagnoses(migrationsPending: !status.pending.isEmpty)
        findings += try await durabilityDiagnoses()
        findings.append(SchemaStatus.diagnosis(status))
        return findings
    }
}
