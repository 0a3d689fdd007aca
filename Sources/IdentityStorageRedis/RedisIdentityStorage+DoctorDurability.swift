import IdentityStorage

/// What `idstore doctor` warns about on each Redis master where the store holds data whose loss is not by design
/// (configuration, key material, operational data: one-time codes, refresh tokens, sessions): the persistence with
/// which a crash loses writes Redis acknowledged.
///
/// Redis writes the append-only file before it answers, so with `appendonly yes` a crash of Redis alone loses
/// nothing; `appendfsync` decides what a crash of the operating system or a power loss loses.
extension RedisIdentityStorage {
    static func durabilityDiagnoses(endpoint: String, info: [String: String], appendfsync reply: RedisReply?, user: String,
                                    cluster: Bool) -> [Diagnosis] {
        let concerns = Diagnosis.durableParts
        guard info["aof_enabled"] == "1" else {
            let restart = cluster ? "; in a cluster, a master that comes back empty before its replica takes over empties the replica too" : ""
            return [.warning("\(endpoint) appendonly", found: "no", advice: "a crash or restart of Redis loses every write since its last snapshot "
                + "(one-time codes, refresh tokens, sessions, keys)\(restart): CONFIG SET appendonly yes, and appendonly yes in redis.conf",
                concerns: concerns)]
        }
        var findings = [Diagnosis("\(endpoint) appendonly", found: "yes")]
        guard case .array(let pair)? = reply, pair.count == 2, let value = try? pair[1].optionalBytes() else {
            findings.append(.warning("\(endpoint) appendfsync", found: "not readable (CONFIG GET refused to ACL user '\(user)')", advice:
                "with everysec, the default, a crash of the operating system loses up to about 1 s of acknowledged writes, with no more: "
                    + "run doctor as a user that may run CONFIG GET to check", concerns: concerns))
            return findings
        }
        switch String(decoding: value, as: UTF8.self) {
        case "always":
            findings.append(Diagnosis("\(endpoint) appendfsync", found: "always (every acknowledged write is on disk)"))
        case "everysec":
            findings.append(Diagnosis("\(endpoint) appendfsync", found: "everysec (a crash of the operating system or a power loss loses up to about "
                + "1 s of acknowledged writes; a crash of Redis alone loses none; always loses none, at a cost on every write)"))
        case let other:
            findings.append(.warning("\(endpoint) appendfsync", found: other, advice: "a crash of the operating system or a power loss loses the "
                + "writes the kernel has not flushed yet (typically up to 30 s): CONFIG SET appendfsync everysec (up to 1 s lost) or always",
                concerns: concerns))
        }
        return findings
    }
}
