import IdentityStorage

/// What `idstore doctor` checks on Redis: every master's version, eviction policy and persistence; the ACL user's
/// commands, keys and channel (``accountDiagnoses()``); in a cluster, its state, slot coverage and replicas.
/// An ACL user limited to its keys may not run `INFO` or `CONFIG GET`: what they would show is then a warning that
/// says it was not checked, not a failure.
extension RedisIdentityStorage: StoreDiagnosing {
    public func diagnose() async throws -> [Diagnosis] {
        var findings: [Diagnosis] = []
        let user = configuration.user ?? "default"
        let fsyncReplies = Dictionary(try await client.runOnEveryMaster(RedisCommand(["CONFIG", "GET", "appendfsync"].map(RedisValue.bytes), slot: nil))
            .map { ($0.endpoint ?? "", $0.reply) }, uniquingKeysWith: { first, _ in first })
        for (node, reply) in try await client.runOnEveryMaster(RedisCommand([RedisValue.bytes("INFO")], slot: nil)) {
            let endpoint = node ?? configuration.endpoints[0].description
            if let message = reply.errorMessage, RedisErrors.refusal(message) != nil {
                findings.append(.warning("\(endpoint) INFO", found: "refused to ACL user '\(user)'", advice: "version, maxmemory-policy and "
                    + "persistence are not checked: run doctor as a user that may run INFO and CONFIG GET (ACL SETUSER <user> +info +config|get)"))
                continue
            }
            let info = try Self.fields(reply, "INFO")
            let version = info["redis_version"] ?? "?"
            let major = version.split(separator: ".").compactMap { Int($0) }
            findings.append(Diagnosis("\(endpoint) version", found: "Redis \(version)",
                                      fix: (major.first ?? 0) >= 7 ? nil : "IdentityStorage needs Redis 7 or newer"))
            let policy = info["maxmemory_policy"] ?? "?"
            findings.append(Diagnosis("\(endpoint) maxmemory-policy", found: policy, fix: policy.hasPrefix("allkeys-") ?
                "an evicting policy drops grants, sessions and keys, which have no TTL: CONFIG SET maxmemory-policy noeviction (and in redis.conf)" : nil))
            findings += Self.durabilityDiagnoses(endpoint: endpoint, info: info, appendfsync: fsyncReplies[node ?? ""], user: user, cluster: client.isCluster)
        }
        findings += try await accountDiagnoses()
        if client.isCluster {
            findings += try await clusterDiagnoses(user: user)
        }
        return findings
    }

    /// The cluster's state, slot coverage and replicas.
    private func clusterDiagnoses(user: String) async throws -> [Diagnosis] {
        let infoReply = try await client.runRaw(RedisCommand([RedisValue.bytes("CLUSTER"), RedisValue.bytes("INFO")], slot: nil))
        let nodesReply = try await client.runRaw(RedisCommand([RedisValue.bytes("CLUSTER"), RedisValue.bytes("NODES")], slot: nil))
        if let message = infoReply.errorMessage ?? nodesReply.errorMessage, RedisErrors.refusal(message) != nil {
            return [.warning("cluster", found: "CLUSTER INFO or CLUSTER NODES refused to ACL user '\(user)'", advice: "the cluster's state, slots "
                + "and replicas are not checked: run doctor as a user that may (ACL SETUSER <user> +cluster|info +cluster|nodes)")]
        }
        var findings: [Diagnosis] = []
        let info = try Self.fields(infoReply, "CLUSTER INFO")
        let state = info["cluster_state"] ?? "?", slots = Int(info["cluster_slots_ok"] ?? "") ?? 0
        findings.append(Diagnosis("cluster_state", found: state, fix: state == "ok" ? nil : "the cluster serves no key: check CLUSTER NODES"))
        findings.append(Diagnosis("slots served", found: "\(slots) of 16384", fix: slots == 16384 ? nil
            : "some slots have no healthy master: their keys cannot be read or written; check CLUSTER NODES and redis-cli --cluster fix"))
        let (masters, unreplicated) = try Self.replication(nodesReply)
        findings.append(Diagnosis("replicas", found: "\(masters) masters, \(unreplicated) without a replica", fix: unreplicated == 0 ? nil
            : "a master without a replica loses its keys when it fails: give every master a replica"))
        return findings
    }

    /// `key:value` lines of an INFO-style reply.
    private static func fields(_ reply: RedisReply, _ what: String) throws -> [String: String] {
        guard let bytes = try reply.optionalBytes() else { throw IdentityStorageError(.unavailable, "\(what) gave no answer") }
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("#") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }

    /// From CLUSTER NODES: the masters, and how many of them have no replica.
    private static func replication(_ reply: RedisReply) throws -> (masters: Int, unreplicated: Int) {
        guard let bytes = try reply.optionalBytes() else { return (0, 0) }
        var masters = Set<String>(), replicated = Set<String>()
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > 3 else { continue }
            if fields[2].contains("master"), !fields[2].contains("fail") { masters.insert(fields[0]) }
            if fields[2].contains("slave") || fields[2].contains("replica"), !fields[2].contains("fail") { replicated.insert(fields[3]) }
        }
        return (masters.count, masters.subtracting(replicated).count)
    }
}

extension RedisClient {
    /// `command` on the standalone server (no name), or on every master of the cluster (named), with each reply.
    func runOnEveryMaster(_ command: RedisCommand) async throws -> [(endpoint: String?, reply: RedisReply)] {
        switch topology {
        case .standalone(let pool):
            return [(nil, try await pool.withConnection { connection in try connection.execute(command) })]
        case .cluster(let router):
            var replies: [(String?, RedisReply)] = []
            for endpoint in Set(router.slotMap().compactMap { $0 }).sorted(by: { $0.description < $1.description }) {
                replies.append((endpoint.description, try await router.pool.withConnection(lane: router.lane(of: endpoint)) { connection in
                    try connection.execute(command)
                }))
            }
            return replies
        }
    }
}
