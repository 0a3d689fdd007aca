import Foundation
import IdentityStorage
import IdentityStorageRedis
import ServerTestSupport
import Testing

/// ACL refusals: an ACL user limited to its key prefix but without the channel pattern (as an operator who skimmed the
/// documentation would create it) gets `permissionDenied` naming the grant, not `corruptedData`; a configuration write it may
/// not announce writes nothing; and `idstore doctor` names what the user lacks.
@Suite("Redis ACL refusals")
struct RedisPermissionTests {
    /// The rules of the project's least-privileged user (Scripts/services/redis.sh) without its channel pattern.
    static let rulesWithoutChannel = ["+@all", "-@dangerous", "+cluster|slots", "+cluster|shards"]

    /// Runs `body` with an ACL user on every node of `kind`: keys under `prefix`, no channel, `rules`; removes it after.
    static func withACLUser<T>(_ kind: RedisKind, prefix: String, rules: [String],
                               _ body: (_ user: String, _ password: String) async throws -> T) async throws -> T {
        let user = uniqueName("idstore_acl")
        let password = "acl-\(UInt64.random(in: 0 ... .max))"
        let admins = try kind.endpoints.compactMap { RawRedis(host: $0.host, port: $0.port) }
        try #require(admins.count == (try kind.endpoints.count), "every node answers")
        defer { for admin in admins { admin.command(["ACL", "DELUSER", user]) } }
        for admin in admins {
            #expect(admin.command(["ACL", "SETUSER", user, "on", ">" + password, "~\(prefix)*", "resetchannels"] + rules) == .text("OK"))
        }
        return try await body(user, password)
    }

    static func url(_ kind: RedisKind, user: String, password: String, prefix: String) throws -> String {
        let hosts = try kind.endpoints.map(\.description).joined(separator: ",")
        return kind == .standalone ? "redis://\(user):\(password)@\(hosts)/0?key_prefix=\(prefix)"
            : "redis-cluster://\(user):\(password)@\(hosts)?key_prefix=\(prefix)"
    }

    @Test("a configuration write without the channel pattern is refused, named and not written", arguments: RedisKind.allCases)
    func aConfigurationWriteWithoutTheChannel(_ kind: RedisKind) async throws {
        guard await RedisServers.shared.storage(kind) != nil else { return }
        try await kind.gate.shared {
            let prefix = uniqueName("idstore-acl") + ":"
            try await Self.withACLUser(kind, prefix: prefix, rules: Self.rulesWithoutChannel) { user, password in
                var configuration = try kind.configuration(prefix: prefix, poolSize: 2)
                configuration.user = user
                configuration.password = password
                let storage = try await RedisIdentityStorage.open(configuration)
                let stores = storage.makeStores()
                let client = Client(clientId: uniqueName("client"))
                do {
                    try await stores.clients.saveClient(client)
                    Issue.record("a configuration write without the channel succeeded")
                } catch let error as IdentityStorageError {
                    #expect(error.code == .permissionDenied, "\(error)")
                    #expect(error.message.contains("ACL SETUSER \(user) &\(prefix)*") && error.message.contains("\(prefix)configuration"), "\(error)")
                    #expect(!"\(error)".contains(password), "\(error)")
                }
                #expect(try await stores.clients.client(withId: client.clientId) == nil, "the refused write wrote nothing")
                // Operational data needs no channel.
                let grant = PersistedGrant(key: uniqueName("grant"), type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "d")
                try await stores.grants.storeGrant(grant)
                #expect(try await stores.grants.grant(forKey: grant.key) == grant)
                // A command the user may not run names the command.
                do {
                    _ = try await storage.rawCommand(["INFO"])
                    Issue.record("INFO succeeded without +info")
                } catch let error as IdentityStorageError {
                    #expect(error.code == .permissionDenied && error.message.contains("ACL SETUSER \(user) +info"), "\(error)")
                }
                await storage.close()
            }
        }
    }

    @Test("doctor names the missing channel pattern", arguments: RedisKind.allCases)
    func doctorNamesTheMissingChannel(_ kind: RedisKind) async throws {
        guard await RedisServers.shared.storage(kind) != nil else { return }
        try await kind.gate.shared {
            let prefix = uniqueName("idstore-acl") + ":"
            try await Self.withACLUser(kind, prefix: prefix, rules: Self.rulesWithoutChannel) { user, password in
                let url = try Self.url(kind, user: user, password: password, prefix: prefix)
                let run = await ToolRun.run(["doctor", "--store", url], drivers: [RedisDriver()])
                #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
                #expect(run.stdout.contains { $0.contains("WRONG") && $0.contains("ACL user '\(user)' channel: refused on '\(prefix)configuration'")
                    && $0.contains("ACL SETUSER \(user) &\(prefix)*") }, "\(run)")
                #expect(run.stdout.contains { $0.contains("ok    ") && $0.contains("ACL user '\(user)' keys: reads and writes every key") }, "\(run)")
                #expect(run.stdout.contains { $0.contains("WARN  ") && $0.contains("INFO: refused to ACL user '\(user)'") }, "\(run)")
                #expect(!(run.stdout + run.stderr).joined().contains(password))
                // A store that holds no configuration does not need the channel.
                let configuration = kind.url + (kind.url.contains("?") ? "&" : "?") + "key_prefix=\(prefix)configuration:"
                let split = await ToolRun.run(["doctor", "--store", url, "--configuration-store", configuration], drivers: [RedisDriver()])
                #expect(split.status == 0 && !split.stdout.contains { $0.contains("WRONG") }, "\(split)")
                #expect(split.stdout.contains { $0.contains("ok    ") && $0.contains("channel: refused on '\(prefix)configuration'")
                    && $0.contains("matters for configuration, which this store does not hold") }, "\(split)")
            }
        }
    }

    @Test("doctor names refused commands", arguments: [RedisKind.standalone])
    func doctorNamesRefusedCommands(_ kind: RedisKind) async throws {
        guard await RedisServers.shared.storage(kind) != nil else { return }
        try await kind.gate.shared {
            let prefix = uniqueName("idstore-acl") + ":"
            try await Self.withACLUser(kind, prefix: prefix, rules: Self.rulesWithoutChannel + ["&\(prefix)*", "-zadd", "-hset"]) { user, password in
                let run = await ToolRun.run(["doctor", "--store", try Self.url(kind, user: user, password: password, prefix: prefix)], drivers: [RedisDriver()])
                #expect(run.status == 1, "\(run)")
                #expect(run.stdout.contains { $0.contains("WRONG") && $0.contains("commands: refused: HSET, ZADD") && $0.contains("ACL SETUSER \(user) +hset +zadd") },
                        "\(run)")
            }
        }
    }

    @Test("the store's command list covers every command its sources send")
    func theDoctorsCommandListIsComplete() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/IdentityStorageRedis")
        var used = Set<String>()
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)! where file.pathExtension == "swift"
            && file.path.contains("/Stores/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for pattern in [#"call\('([A-Za-z]+)'"#, #"RedisValue\.bytes\("([A-Z]+)"\)"#] {
                let expression = try NSRegularExpression(pattern: pattern)
                for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    used.insert(String(text[Range(match.range(at: 1), in: text)!]).uppercased())
                }
            }
        }
        // Arguments that are not commands.
        used.subtract(["LIMIT", "WITHSCORES", "NX", "PUBLISH"])
        #expect(!used.isEmpty)
        #expect(used.isSubset(of: Set(RedisIdentityStorage.storeCommands)), "missing: \(used.subtracting(RedisIdentityStorage.storeCommands).sorted())")
    }
}
