import IdentityStorage

/// What `idstore doctor` warns about on PostgreSQL where the store holds data whose loss is not by design: the
/// settings with which a crash loses transactions PostgreSQL acknowledged as committed.
extension PostgresIdentityStorage {
    func durabilityDiagnoses() async throws -> [Diagnosis] {
        let settings = try await database.run { connection in
            try connection.query("SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes')",
                                 [], cached: false) { row in try (0..<3).map { try row.text($0) } }.first
        }
        guard let settings else { throw IdentityStorageError(.unavailable, "PostgreSQL did not report its settings") }
        let (fsync, synchronousCommit, fullPageWrites) = (settings[0], settings[1], settings[2])
        let concerns = Diagnosis.durableParts
        return [
            fsync == "off"
                ? .warning("fsync", found: "off", advice: "a crash of the operating system or a power loss loses committed transactions and can corrupt "
                    + "the database: fsync = on in postgresql.conf, then SELECT pg_reload_conf()", concerns: concerns)
                : Diagnosis("fsync", found: fsync),
            synchronousCommit == "off"
                ? .warning("synchronous_commit", found: "off", advice: "a crash of PostgreSQL or of its machine loses the transactions committed in "
                    + "its last moments (up to 3 × wal_writer_delay, 600 ms by default): synchronous_commit = on (postgresql.conf, or "
                    + "ALTER ROLE … SET synchronous_commit = on)", concerns: concerns)
                : Diagnosis("synchronous_commit", found: synchronousCommit),
            fullPageWrites == "off"
                ? .warning("full_page_writes", found: "off", advice: "a crash of the operating system or a power loss in the middle of a page write "
                    + "leaves a torn page that recovery cannot repair: full_page_writes = on in postgresql.conf", concerns: concerns)
                : Diagnosis("full_page_writes", found: fullPageWrites),
        ]
    }
}
