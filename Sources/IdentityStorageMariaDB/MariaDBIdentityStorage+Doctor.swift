import IdentityStorage
import IdentityStorageSQL

/// What `idstore doctor` checks on MariaDB: version and settings here, the user's privileges and the durability settings
/// in their own files.
extension MariaDBIdentityStorage: StoreDiagnosing {
    public func diagnose() async throws -> [Diagnosis] {
        let (settings, keyCollation) = try await database.run { connection in
            let settings = try connection.textQuery("""
                SELECT VERSION(), @@max_allowed_packet, @@innodb_buffer_pool_size, @@session.time_zone, @@global.time_zone
                """).first ?? []
            let collation = try connection.textQuery("""
                SELECT COLLATION_NAME FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'persisted_grants' AND COLUMN_NAME = 'key'
                """).first?.first ?? nil
            return (settings, collation)
        }
        guard settings.count == 5, let version = settings[0], let packet = settings[1].flatMap(Int.init),
              let bufferPool = settings[2].flatMap(Int.init) else {
            throw IdentityStorageError(.unavailable, "MariaDB did not report its settings")
        }
        let mebibyte = 1 << 20
        let major = version.split(separator: ".").compactMap { Int($0.prefix { $0.isNumber }) }
        let supported = (major.first ?? 0, major.dropFirst().first ?? 0) >= (10, 6)
        var findings = [
            Diagnosis("server version", found: version, fix: supported ? nil : "IdentityStorage needs MariaDB 10.6 or newer (it is tested on 10.11)"),
            Diagnosis("max_allowed_packet", found: "\(packet / mebibyte) MiB", fix: packet >= 16 * mebibyte ? nil :
                "payloads of up to 8 MiB need statements larger than that: SET GLOBAL max_allowed_packet = 16777216 (and max_allowed_packet = 16M in my.cnf)"),
            Diagnosis("innodb_buffer_pool_size", found: "\(bufferPool / mebibyte) MiB (operational tables and their indexes should fit)"),
            Diagnosis("time_zone", found: "\(settings[3] ?? "?") in the store's sessions, \(settings[4] ?? "?") globally (instants are stored as integers)"),
        ]
        if let keyCollation {
            findings.append(Diagnosis("key collation", found: keyCollation, fix: keyCollation.hasSuffix("_bin") ? nil :
                "keys must compare byte for byte: the tables were not created by IdentityStorage's migrations; recreate them with idstore migrate"))
        }
        let status = try await schemaStatus()
        findings += try await accountDiagnoses(migrationsPending: !status.pending.isEmpty)
        findings += try await durabilityDiagnoses()
        findings.append(SchemaStatus.diagnosis(status))
        return findings
    }
}
