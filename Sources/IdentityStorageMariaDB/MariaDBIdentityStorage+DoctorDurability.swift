import IdentityStorage

/// What `idstore doctor` warns about on MariaDB where the store holds data whose loss is not by design: the settings
/// with which a crash loses transactions MariaDB acknowledged as committed.
extension MariaDBIdentityStorage {
    func durabilityDiagnoses() async throws -> [Diagnosis] {
        let row = try await database.run { connection in
            try connection.textQuery("SELECT @@global.innodb_flush_log_at_trx_commit, @@global.log_bin, @@global.sync_binlog, @@global.innodb_doublewrite")
                .first ?? []
        }
        guard row.count == 4, let flush = row[0].flatMap(Int.init) else { throw IdentityStorageError(.unavailable, "MariaDB did not report its settings") }
        let binaryLog = row[1] == "1" || row[1]?.uppercased() == "ON"
        let syncBinlog = row[2].flatMap(Int.init) ?? 0
        let doublewrite = row[3] ?? "?"
        let concerns = Diagnosis.durableParts
        var findings: [Diagnosis] = []
        switch flush {
        case 1, 3:
            findings.append(Diagnosis("innodb_flush_log_at_trx_commit", found: "\(flush)"))
        default:
            let loss = flush == 2 ? "a crash of the operating system or a power loss loses" : "a crash of MariaDB or of its machine loses"
            findings.append(.warning("innodb_flush_log_at_trx_commit", found: "\(flush)", advice: "\(loss) the transactions committed in about "
                + "the last second (innodb_flush_log_at_timeout): innodb_flush_log_at_trx_commit = 1 (SET GLOBAL and my.cnf)", concerns: concerns))
        }
        if binaryLog {
            findings.append(syncBinlog == 1 ? Diagnosis("sync_binlog", found: "1 (binary log on)")
                : .warning("sync_binlog", found: "\(syncBinlog) (binary log on)", advice: "a crash of the operating system or a power loss "
                    + "loses binary log events: recovery then rolls back the committed transactions the log misses, and replicas never get them: "
                    + "sync_binlog = 1 (SET GLOBAL and my.cnf)", concerns: concerns))
        }
        let tornPages = ["0", "OFF"].contains(doublewrite.uppercased())
        findings.append(tornPages ? .warning("innodb_doublewrite", found: doublewrite, advice: "a crash of the operating system or a power loss "
            + "in the middle of a page write leaves a torn page that recovery cannot repair: innodb_doublewrite = ON in my.cnf", concerns: concerns)
            : Diagnosis("innodb_doublewrite", found: doublewrite))
        return findings
    }
}
