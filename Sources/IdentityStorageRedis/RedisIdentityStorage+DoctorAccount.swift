import IdentityStorage

/// What `idstore doctor` checks of the Redis ACL user on every master: the commands the stores run, the keys under its
/// prefix, and the configuration channel. A user limited to its keys may not run `ACL GETUSER` or `ACL DRYRUN`, so
/// a script asks `redis.acl_check_cmd` (Redis 7) about each command with the keys and channel the stores use; the
/// script changes nothing and declares no writes.
extension RedisIdentityStorage {
    /// The commands the stores send or run in their scripts (a test keeps this list complete).
    package static let storeCommands = [
        "DEL", "EXISTS", "GET", "HDEL", "HEXISTS", "HGET", "HMGET", "HSET", "INCR", "MGET", "PEXPIRE", "PEXPIREAT", "SADD", "SCARD", "SET",
        "SMEMBERS", "SREM", "SSCAN",
        "ZADD", "ZLEXCOUNT", "ZRANGE", "ZRANGEBYLEX", "ZRANGEBYSCORE", "ZREM", "ZREVRANGE", "ZREVRANGEBYLEX", "ZSCORE",
    ]

    /// Answers, for each group `count, command, arguments…` of ARGV, 1 (allowed), 0 (refused) or -1 (unknown command).
    private static let aclCheck = """
        #!lua flags=no-writes
        local answers = {}
        local i = 1
        while i <= #ARGV do
            local count = tonumber(ARGV[i])
            local arguments = {}
            for j = 1, count do arguments[j] = ARGV[i + j] end
            local ok, allowed = pcall(redis.acl_check_cmd, unpack(arguments))
            answers[#answers + 1] = ok and (allowed and 1 or 0) or -1
            i = i + count + 1
        end
        return answers
        """

    func accountDiagnoses() async throws -> [Diagnosis] {
        let user = configuration.user ?? "default"
        let prefix = configuration.keyPrefix
        let channel = RedisConfigurationListener.channel(prefix: prefix)
        let probeKey = String(decoding: keys.meta.key("doctor"), as: UTF8.self)
        // Every command with a key it may use (repeated, so that commands taking several keys see only that one).
        var probes: [(name: String, arguments: [String])] = Self.storeCommands.map { ($0, [$0, probeKey, probeKey, probeKey]) }
        probes += [("PING", ["PING"]), ("EVALSHA", ["EVALSHA", String(repeating: "0", count: 40), "1", probeKey]), ("EVAL", ["EVAL", "return 1", "1", probeKey])]
        if let name = configuration.clientName, !name.isEmpty { probes.append(("CLIENT|SETNAME", ["CLIENT", "SETNAME", name])) }
        if configuration.database != 0 { probes.append(("SELECT", ["SELECT", String(configuration.database)])) }
        if client.isCluster { probes += [("CLUSTER|SLOTS", ["CLUSTER", "SLOTS"]), ("ASKING", ["ASKING"])] }
        let commandCount = probes.count
        // The keys of every hash tag, read and written with commands the stores use.
        let bases = keys.grants + keys.cache + [keys.deviceFlow, keys.sessions, keys.pushedAuthorizationRequests, keys.backchannel, keys.clients,
                                                keys.resources, keys.identityProviders, keys.signingKeys, keys.keyRing, keys.meta]
        let baseKeys = bases.map { String(decoding: $0.key("doctor"), as: UTF8.self) }
        probes += baseKeys.flatMap { [("GET", ["GET", $0]), ("SET", ["SET", $0, "1"])] }
        probes += [("PUBLISH", ["PUBLISH", channel, "1"]), ("SUBSCRIBE", ["SUBSCRIBE", channel])]
        let arguments = probes.flatMap { [String($0.arguments.count)] + $0.arguments }
        let command = RedisCommand(["EVAL", Self.aclCheck, "0"].map(RedisValue.bytes) + arguments.map(RedisValue.bytes), slot: nil)

        var findings: [Diagnosis] = []
        for (node, reply) in try await client.runOnEveryMaster(command) {
            let label = "\(node ?? configuration.endpoints[0].description) ACL user '\(user)'"
            if let message = reply.errorMessage {
                if case .command? = RedisErrors.refusal(message) {
                    findings.append(Diagnosis("\(label) scripts", found: "EVAL refused",
                                              fix: "every write of the stores is a script: ACL SETUSER \(user) +eval +evalsha"))
                } else {
                    findings.append(.warning("\(label) permissions", found: "not checked (\(message.prefix(80)))",
                                             advice: "the check needs Redis 7 or newer (redis.acl_check_cmd)"))
                }
                continue
            }
            let answers = try reply.items().map { try $0.integerValue() }
            guard answers.count == probes.count else {
                throw IdentityStorageError(.unavailable, "Redis answered the ACL check with \(answers.count) results for \(probes.count) questions")
            }
            let refused = (0..<commandCount).filter { answers[$0] == 0 }.map { probes[$0].name }
            let unknown = (0..<commandCount).filter { answers[$0] < 0 }.map { probes[$0].name }
            if !unknown.isEmpty {
                findings.append(Diagnosis("\(label) commands", found: "unknown to the server: \(unknown.joined(separator: ", "))",
                                          fix: "IdentityStorage needs Redis 7 or newer"))
            }
            findings.append(Diagnosis("\(label) commands", found: refused.isEmpty ? "the \(commandCount) commands the stores run"
                                        : "refused: \(refused.joined(separator: ", "))",
                                      fix: refused.isEmpty ? nil : "the stores fail with permissionDenied: ACL SETUSER \(user) "
                                        + refused.map { "+" + $0.lowercased() }.joined(separator: " ")))
            let keyAnswers = Array(answers[commandCount..<(commandCount + 2 * baseKeys.count)])
            let unreadable = baseKeys.indices.filter { keyAnswers[2 * $0] == 0 }.map { baseKeys[$0] }
            let unwritable = baseKeys.indices.filter { keyAnswers[2 * $0 + 1] == 0 }.map { baseKeys[$0] }
            if unreadable.isEmpty, unwritable.isEmpty {
                findings.append(Diagnosis("\(label) keys", found: "reads and writes every key under '\(prefix)'"))
            } else {
                let found = [("reading", unreadable), ("writing", unwritable)].filter { !$0.1.isEmpty }
                    .map { "\($0.0) \(Self.summary($0.1))" }.joined(separator: "; ")
                findings.append(Diagnosis("\(label) keys", found: "refused \(found)", fix: "the stores fail with permissionDenied: grant the key "
                    + "pattern with ACL SETUSER \(user) ~\(prefix)* (a %R~ pattern allows reading only)"))
            }
            let channelAnswers = answers.suffix(2)
            findings.append(Diagnosis("\(label) channel", found: channelAnswers.allSatisfy { $0 == 1 } ? "publishes and subscribes on '\(channel)'"
                                        : "refused on '\(channel)'",
                                      fix: channelAnswers.allSatisfy { $0 == 1 } ? nil : "configuration writes publish on it and the configuration "
                                        + "cache subscribes to it: grant the channel pattern with ACL SETUSER \(user) &\(prefix)*",
                                      concerns: [.configuration]))
        }
        return findings
    }

    /// The first few keys of a list, for a finding.
    private static func summary(_ keys: [String]) -> String {
        keys.count <= 3 ? keys.joined(separator: ", ") : keys.prefix(3).joined(separator: ", ") + " and \(keys.count - 3) more"
    }
}
