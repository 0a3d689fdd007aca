import Foundation
import IdentityStorage
@testable import IdentityStorageRedis
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import Testing

/// A grant whose fields all carry `id`, so a record that reached another key would show.
private func grant(_ key: String, _ id: String, _ index: Int) -> PersistedGrant {
    PersistedGrant(key: key, type: "t{\(id)}", subjectId: "sub " + id, sessionId: "sid:" + id, clientId: "{client}" + id,
                   description: "grant \(index)", creationTime: Date(microsecondsSince1970: 1_700_000_000_000_000 + Int64(index)),
                   expiration: nil, data: "data \(index) \(id)")
}

@Suite("Redis adapter")
struct RedisAdapterTests {
    /// Ids with every character that means something to Redis or to our key layout.
    static let awkwardIds = ["a{b}c", "{g:00}:k:x", "}{", "{", "}", "*", "?*[a-z]", "a:b", "a b", " lead", "trail ", "k:victim", "victim",
                             "::", "\u{1}\u{7f}\u{1b}", "{idstore-test:}", "s:sub", "e", "u", "x", "k:", "\r\n", "é😀"]

    @Test("binary keys with { } * : and spaces stay in their own records", arguments: RedisKind.allCases)
    func awkwardKeys(_ kind: RedisKind) async throws {
        guard let storage = await RedisServers.shared.storage(kind) else { return }
        try await kind.gate.shared {
            let stores = storage.makeStores()
            let ns = "awkward-\(UInt32.random(in: 0 ... .max))-"
            let ids = Self.awkwardIds
            var grants: [PersistedGrant] = []
            for (index, id) in ids.enumerated() {
                let stored = grant(ns + id, ns + id, index)
                try await stores.grants.storeGrant(stored)
                grants.append(stored)
                try await stores.cache.set(ns + id, value: Array("value \(index)".utf8), options: .none)
            }
            for (index, stored) in grants.enumerated() {
                #expect(try await stores.grants.grant(forKey: stored.key) == stored, "grant under '\(ids[index])'")
                #expect(try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: stored.subjectId)) == [stored],
                        "filter by subject '\(stored.subjectId!)'")
                #expect(try await stores.grants.grants(matching: PersistedGrantFilter(sessionId: stored.sessionId, clientId: stored.clientId,
                                                                                       type: stored.type)) == [stored],
                        "filter by session, client and type of '\(ids[index])'")
                #expect(try await stores.cache.get(ns + ids[index]) == Array("value \(index)".utf8), "cache entry under '\(ids[index])'")
                // The record lives exactly at prefix + tag + kind + id: the id cannot spell another key.
                let grantKey = String(decoding: storage.grantRecordKey(stored.key), as: UTF8.self)
                #expect(grantKey.hasPrefix("idstore-test:{g:") && grantKey.hasSuffix("}:k:" + stored.key))
                #expect(try await storage.rawCommand(["EXISTS", grantKey], routingKey: grantKey) == ["1"], "raw grant key \(grantKey)")
                let cacheKey = String(decoding: storage.cacheRecordKey(ns + ids[index]), as: UTF8.self)
                #expect(try await storage.rawCommand(["EXISTS", cacheKey], routingKey: cacheKey) == ["1"], "raw cache key \(cacheKey)")
            }
            // Removing one never touches another whose id contains it.
            #expect(try await stores.grants.removeGrant(forKey: ns + "k:victim"))
            #expect(try await stores.cache.remove(ns + "k:victim"))
            #expect(try await stores.grants.grant(forKey: ns + "victim") != nil)
            #expect(try await stores.cache.get(ns + "victim") != nil)
            #expect(try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: "sub " + ns + "{")) == 1)
            for (index, id) in ids.enumerated() where id != "k:victim" && id != "{" {
                #expect(try await stores.grants.grant(forKey: ns + id) == grants[index], "grant '\(id)' after removals")
            }
            for id in ids { _ = try await stores.cache.remove(ns + id) }
            _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(clientIds: ids.map { "{client}" + ns + $0 }))
        }
    }

    @Test("NUL bytes are rejected before anything is written", arguments: RedisKind.allCases)
    func nulBytes(_ kind: RedisKind) async throws {
        guard let storage = await RedisServers.shared.storage(kind) else { return }
        try await kind.gate.shared {
            let stores = storage.makeStores()
            let ns = "nul-\(UInt32.random(in: 0 ... .max))-"
            let good = grant(ns + "good", ns + "good", 0)
            for (what, bad) in [("key", { var g = good; g.key = ns + "a\0b"; return g }()),
                                ("subject", { var g = good; g.subjectId = "s\0"; return g }()),
                                ("session", { var g = good; g.sessionId = "\0"; return g }()),
                                ("client", { var g = good; g.clientId = "c\0c"; return g }()),
                                ("type", { var g = good; g.type = "t\0"; return g }()),
                                ("data", { var g = good; g.data = "d\0"; return g }())] {
                await #expect(throws: IdentityStorageError.self, "grant with NUL in its \(what)") { try await stores.grants.storeGrant(bad) }
            }
            #expect(try await stores.grants.grant(forKey: ns + "a") == nil, "the key truncated at the NUL")
            await #expect(throws: IdentityStorageError.self) { try await stores.grants.grant(forKey: ns + "a\0b") }
            await #expect(throws: IdentityStorageError.self) { try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: "a\0")) }
            await #expect(throws: IdentityStorageError.self) { try await stores.grants.removeGrants(matching: PersistedGrantFilter(clientIds: ["\0"])) }
            let key = ns + "cache\0key"
            let cache = stores.cache
            let calls: [(String, @Sendable () async throws -> Void)] = [
                ("get", { _ = try await cache.get(key) }), ("set", { try await cache.set(key, value: [1], options: .none) }),
                ("add", { _ = try await cache.add(key, value: [1], options: .none) }),
                ("getAndSet", { _ = try await cache.getAndSet(key, value: [1], options: .none) }),
                ("refresh", { try await cache.refresh(key) }), ("remove", { _ = try await cache.remove(key) }),
            ]
            for (what, call) in calls {
                do {
                    try await call()
                    Issue.record("cache \(what) with a NUL byte in the key succeeded")
                } catch let error as IdentityStorageError {
                    #expect(error.code == .invalidArgument, "cache \(what): \(error)")
                }
            }
            #expect(try await stores.cache.get(ns + "cache") == nil, "the cache key truncated at the NUL")
            await #expect(throws: IdentityStorageError.self) {
                try await stores.sessions.createSession(ServerSideSession(key: ns + "s\0", scheme: "a", subjectId: "b", created: Date(), renewed: Date(), ticket: "t"))
            }
            await #expect(throws: IdentityStorageError.self) {
                try await stores.deviceFlow.storeDeviceAuthorization(DeviceAuthorization(deviceCode: ns + "d", userCode: "u\0", clientId: "c",
                                                                                         creationTime: Date(), expiration: Date(), data: ""))
            }
            #expect(try await stores.deviceFlow.deviceAuthorization(forDeviceCode: ns + "d") == nil)
        }
    }

    @Test("expiry model: operational items carry no TTL, cache entries a safety TTL past their lifetime", arguments: RedisKind.allCases)
    func expiryModel(_ kind: RedisKind) async throws {
        guard let storage = await RedisServers.shared.storage(kind) else { return }
        try await kind.gate.shared {
            let clock = ManualWallClock()
            let prefix = "idstore-expiry-\(UInt32.random(in: 0 ... .max)):"
            let stores = try storage.makeStores(clock: clock, keyPrefix: prefix)
            func pttl(_ key: [UInt8]) async throws -> Int {
                let raw = String(decoding: key, as: UTF8.self)
                return Int(try await storage.rawCommand(["PTTL", raw], routingKey: raw).first ?? "") ?? -99
            }
            // An expired grant stays, with no TTL, until cleanup removes it.
            var expired = grant("expired", "expired", 0)
            expired.expiration = clock.now.addingTimeInterval(-60)
            try await stores.grants.storeGrant(expired)
            #expect(try await stores.grants.grant(forKey: "expired") == expired)
            #expect(try await pttl(storage.grantRecordKey("expired", keyPrefix: prefix)) == -1, "a grant has no TTL")
            // A cache entry lives by the injected clock; its safety TTL is its lifetime plus the grace period.
            // Wall time passes between the write and PTTL (seconds, on a loaded machine): the lower bound allows for it.
            let setAt = ContinuousClock.now
            try await stores.cache.set("relative", value: [1], options: .relative(2))
            let ttl = try await pttl(storage.cacheRecordKey("relative", keyPrefix: prefix))
            #expect(ttl > 302_000 - elapsedMilliseconds(since: setAt) && ttl <= 302_000, "safety TTL \(ttl) ms of a 2 s entry with a 300 s grace period")
            try await stores.cache.set("forever", value: [2], options: .none)
            #expect(try await pttl(storage.cacheRecordKey("forever", keyPrefix: prefix)) == -1, "an entry without expiration has no TTL")
            try await stores.cache.set("sliding", value: [3], options: CacheEntryOptions(absoluteExpiration: clock.now.addingTimeInterval(10), slidingExpiration: 4))
            clock.advance(by: 3)
            let readAt = ContinuousClock.now
            #expect(try await stores.cache.get("sliding") == [3])
            let renewed = try await pttl(storage.cacheRecordKey("sliding", keyPrefix: prefix))
            #expect(renewed > 304_000 - elapsedMilliseconds(since: readAt) && renewed <= 304_000, "renewed safety TTL \(renewed) ms (sliding 4 s from the read)")
            clock.advance(by: 0.5)
            #expect(try await stores.cache.get("relative") == nil, "expired by the injected clock")
            let raw = String(decoding: storage.cacheRecordKey("relative", keyPrefix: prefix), as: UTF8.self)
            #expect(try await storage.rawCommand(["EXISTS", raw], routingKey: raw) == ["1"], "still stored until cleanup or its safety TTL")
            #expect(try await stores.cleanup.removeExpiredCacheEntries(limit: 10) == 1)
            #expect(try await storage.rawCommand(["EXISTS", raw], routingKey: raw) == ["0"])
            #expect(try await stores.cleanup.removeExpiredGrants(limit: 10) == [expired])
        }
    }

    @Test("raw baseline and bulk loader for idstore bench", arguments: RedisKind.allCases)
    func benchHooks(_ kind: RedisKind) async throws {
        guard let storage = await RedisServers.shared.storage(kind) else { return }
        try await kind.gate.shared {
            let ns = "bench-\(UInt32.random(in: 0 ... .max))-"
            let loaded = (0..<1500).map { grant(ns + "\($0)", ns, $0) } + [grant(ns + "0", ns + "again", 9999)]
            try await storage.bulkStoreGrants(loaded)
            let stores = storage.makeStores()
            #expect(try await stores.grants.grant(forKey: ns + "0") == loaded.last, "a key loaded twice keeps its last grant")
            #expect(try await stores.grants.grant(forKey: ns + "1499") == loaded[1499])
            let keys = (0..<200).map { ns + "\($0)" }
            for operation in [RawGrantOperation.get, .consume, .upsert, .take] {
                let latencies = try await storage.measureRaw(operation, keys: keys, concurrency: 4)
                #expect(latencies.count == keys.count, "\(operation) latencies")
            }
            #expect(try await stores.grants.grant(forKey: ns + "5") == nil, "taken by the raw take")
            #expect(try await stores.grants.grant(forKey: ns + "500") == loaded[500])
            _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: "sub " + ns))
        }
    }

    @Test("hash slots match the server's CLUSTER KEYSLOT")
    func slots() async throws {
        guard let storage = await RedisServers.shared.storage(.cluster) else { return }
        try await RedisKind.cluster.gate.shared {
            let keys = ["", "a", "{a}b", "x{a}", "{}a", "a{}{b}", "{{b}}", "idstore:{g:07}:k:some key", "é😀{é}", "foo{bar}{zap}", "{user1000}.following"]
                + (0..<20).map { _ in String((0..<12).map { _ in "ab{}:* xyz"[String.Index(utf16Offset: Int.random(in: 0..<10), in: "ab{}:* xyz")] }) }
            for key in keys where !key.isEmpty {
                let server = try await storage.rawCommand(["CLUSTER", "KEYSLOT", key])
                #expect(server == [String(RedisSlot.of(Array(key.utf8)))], "slot of '\(key)'")
            }
        }
    }

    @Test("configuration from a URL; the password never printed")
    func configuration() throws {
        let configuration = try RedisIdentityStorage.Configuration(url: StoreURL(parsing:
            "redis://app:s3cr%40t@cache.example:6380/3?key_prefix=app1:&pool_size=2&command_timeout=1.5&client_name=svc"))
        #expect(configuration.mode == .standalone)
        #expect(configuration.endpoints == [.init(host: "cache.example", port: 6380)])
        #expect(configuration.user == "app")
        #expect(configuration.password == "s3cr@t")
        #expect(configuration.database == 3)
        #expect(configuration.keyPrefix == "app1:")
        #expect(configuration.poolSizePerNode == 2)
        #expect(configuration.commandTimeout == .milliseconds(1500))
        #expect(configuration.clientName == "svc")
        for text in [configuration.description, "\(configuration)", String(reflecting: configuration), "\(Mirror(reflecting: configuration).children.map(\.value))"] {
            #expect(!text.contains("s3cr"), "password shown in '\(text)'")
        }
        let cluster = try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis-cluster://:pw@10.0.0.1:7000,10.0.0.2:7001"))
        #expect(cluster.mode == .cluster && cluster.endpoints.count == 2 && cluster.user == nil && cluster.password == "pw")
        #expect(throws: IdentityStorageError.self) { try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis://h/0?ssl=true")) }
        #expect(throws: IdentityStorageError.self) { try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis-cluster://h:1,h:2/3")) }
        #expect(throws: IdentityStorageError.self) { try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis://h:1,h:2/0")) }
        #expect(throws: IdentityStorageError.self) { try RedisIdentityStorage.Configuration(url: StoreURL(parsing: "redis://h/abc")) }
    }

    @Test("bad configuration is refused at open", .timeLimit(.minutes(5)))
    func badConfiguration() async throws {
        var configuration = RedisIdentityStorage.Configuration(endpoints: [.init(host: "127.0.0.1", port: 1)])
        configuration.keyPrefix = "a{b}:"
        await #expect(throws: IdentityStorageError.self) { try await RedisIdentityStorage.open(configuration) }
        configuration.keyPrefix = "idstore:"
        configuration.connectTimeout = .seconds(1)
        // Nothing listens on port 1: unavailable, not a hang (the time limit bounds it; a wall-clock bound here
        // would measure the machine's load, not the adapter).
        do {
            _ = try await RedisIdentityStorage.open(configuration)
            Issue.record("opening a store on port 1 succeeded")
        } catch let error as IdentityStorageError {
            #expect(error.code == .unavailable, "\(error)")
        }
    }

    @Test("AUTH with a wrong password, ACL user, database index, data-model version")
    func serverSettings() async throws {
        guard await RedisServers.shared.storage(.standalone) != nil else { return }
        try await RedisKind.standalone.gate.shared {
            let port = try RedisKind.standalone.endpoints[0].port
            let secret = "pw-\(UInt64.random(in: 0 ... .max))"
            // Wrong password for the default user (which has none here): refused, password not in the error.
            var wrong = try RedisKind.standalone.configuration(prefix: "idstore-auth:")
            wrong.password = secret
            do {
                _ = try await RedisIdentityStorage.open(wrong)
                Issue.record("AUTH with a wrong password succeeded")
            } catch {
                #expect(!"\(error)".contains(secret) && !String(reflecting: error).contains(secret), "password in \(error)")
                #expect((error as? IdentityStorageError)?.code == .permissionDenied, "\(error)")
            }
            // An ACL user with its own password.
            let user = "idstore-acl-\(UInt32.random(in: 0 ... .max))"
            let admin = try #require(RawRedis(port: port))
            #expect(admin.command(["ACL", "SETUSER", user, "on", ">" + secret, "~*", "&*", "+@all"]) == .text("OK"))
            defer { admin.command(["ACL", "DELUSER", user]) }
            var acl = try RedisKind.standalone.configuration(prefix: "idstore-acl:")
            acl.user = user
            acl.password = secret
            let storage = try await RedisIdentityStorage.open(acl)
            let stores = storage.makeStores()
            let stored = grant("acl-\(user)", user, 1)
            try await stores.grants.storeGrant(stored)
            #expect(try await stores.grants.grant(forKey: stored.key) == stored)
            await storage.close()
            acl.password = secret + "-wrong"
            do {
                _ = try await RedisIdentityStorage.open(acl)
                Issue.record("AUTH of \(user) with a wrong password succeeded")
            } catch {
                #expect(!"\(error)".contains(secret), "password in \(error)")
                #expect((error as? IdentityStorageError)?.code == .permissionDenied, "\(error)")
            }
            // Database index from the configuration: the data lands in that database only.
            var selected = try RedisKind.standalone.configuration(prefix: "idstore-db:")
            selected.database = 5
            let inFive = try await RedisIdentityStorage.open(selected)
            let key = "db5-\(UInt32.random(in: 0 ... .max))"
            try await inFive.makeStores().grants.storeGrant(grant(key, key, 2))
            let raw = String(decoding: inFive.grantRecordKey(key), as: UTF8.self)
            #expect(try await inFive.rawCommand(["EXISTS", raw]) == ["1"])
            await inFive.close()
            #expect(admin.command(["EXISTS", raw]) == .integer(0), "the grant is not in database 0")
            #expect(admin.command(["SELECT", "5"]) == .text("OK"))
            #expect(admin.command(["EXISTS", raw]) == .integer(1), "the grant is in database 5")
            admin.command(["SELECT", "0"])
            // A newer data-model version under the prefix is refused.
            let prefix = "idstore-version-\(UInt32.random(in: 0 ... .max)):"
            #expect(admin.command(["SET", prefix + "{meta}:version", "99"]) == .text("OK"))
            do {
                _ = try await RedisIdentityStorage.open(try RedisKind.standalone.configuration(prefix: prefix))
                Issue.record("a newer data-model version was accepted")
            } catch let error as IdentityStorageError {
                #expect(error.code == .schemaMismatch, "\(error)")
            }
        }
    }
}

/// Whole milliseconds since `start`, rounded up, plus one for PTTL's own rounding.
private func elapsedMilliseconds(since start: ContinuousClock.Instant) -> Int {
    let elapsed = ContinuousClock.now - start
    return Int((Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15).rounded(.up)) + 1
}
