import Foundation
import IdentityStorage

/// CIBA requests under one hash tag: a hash per internal id (subject, client, expiration, JSON document),
/// a subject index and an expiry set.
struct RedisBackchannelAuthenticationRequestStore: BackchannelAuthenticationRequestStore {
    let context: RedisStoreContext

    private var base: RedisKeyspace.Base { context.keys.backchannel }

    func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws {
        try request.validate()
        let stored = request.atStoragePrecision
        let reply = try await run(Self.write, [RedisValue.bytes("create")] + (try Self.fields(stored)), "storing backchannel request")
        if try reply.integerValue() == 0 {
            throw IdentityStorageError.duplicate("a backchannel request with this internal id is already stored")
        }
    }

    func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("HGET"), base.key("k", internalId), RedisValue.bytes("j")], slot: base.slot),
                                                 "reading backchannel request")
        return try Self.decode(internalId, try reply.optionalBytes())
    }

    func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] {
        try FieldValidation.key(subjectId, "subjectId")
        try FieldValidation.optionalKey(clientId, "clientId")
        let reply = try await run(Self.logins, [RedisValue.bytes(subjectId), RedisValue.bytes(clientId == nil ? "0" : "1"), RedisValue.bytes(clientId ?? "")],
                                  "reading backchannel logins")
        let items = try reply.items()
        var requests: [BackchannelAuthenticationRequest] = []
        var index = 0
        while index + 1 < items.count {
            let id = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "backchannel internal id"), "backchannel internal id")
            if let request = try Self.decode(id, try items[index + 1].optionalBytes()) { requests.append(request) }
            index += 2
        }
        return requests
    }

    @discardableResult
    func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool {
        let replacement = try request.replacement(forInternalId: internalId)
        return try await run(Self.write, [RedisValue.bytes("update")] + (try Self.fields(replacement)), "updating backchannel request").integerValue() == 1
    }

    @discardableResult
    func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool {
        try await takeBackchannelRequest(forInternalId: internalId) != nil
    }

    func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try FieldValidation.key(internalId, "internalId")
        return try Self.decode(internalId, try await run(Self.take, [RedisValue.bytes(internalId)], "taking backchannel request").optionalBytes())
    }

    func removeExpired(limit: Int) async throws -> Int {
        let now = RedisValue.micros(context.clock.now)
        return try await RedisExpirySet.remove(limit: limit) { [self] asked in
            try await run(RedisExpirySet.clean, [now, RedisValue.bytes(asked), RedisValue.bytes("1")], "removing expired backchannel requests")
        }
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    /// `internal id, subject, client, expiration, document`.
    private static func fields(_ request: BackchannelAuthenticationRequest) throws -> [[UInt8]] {
        [RedisValue.bytes(request.internalId), RedisValue.bytes(request.subjectId), RedisValue.bytes(request.clientId),
         RedisValue.micros(request.expiration), RedisValue.bytes(try StorageJSON.string(request))]
    }

    private static func decode(_ id: String, _ document: [UInt8]?) throws(IdentityStorageError) -> BackchannelAuthenticationRequest? {
        guard let document else { return nil }
        return try StorageJSON.decode(BackchannelAuthenticationRequest.self, from: try RedisValue.text(document, "backchannel request \(id)"),
                                      what: "backchannel request \(id)")
    }

    // MARK: Scripts (KEYS[1] is `P{b}:`)

    /// Mode `create` (0 when the id exists) or `update` (0 when it does not); re-indexes the subject.
    static let write = RedisScript("ciba-write", """
        local base, mode, id, sub, client, expiration, doc = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
        local rk = base .. 'k:' .. id
        local exists = redis.call('EXISTS', rk) == 1
        if mode == 'create' and exists then return 0 end
        if mode == 'update' and not exists then return 0 end
        local old = redis.call('HGET', rk, 's')
        if old then redis.call('SREM', base .. 's:' .. old, id) end
        redis.call('DEL', rk)
        redis.call('HSET', rk, 's', sub, 'c', client, 'e', expiration, 'j', doc)
        redis.call('SADD', base .. 's:' .. sub, id)
        redis.call('ZADD', base .. 'e', expiration, id)
        return 1
        """)

    /// `[id, document, …]` of the subject's requests (of one client when ARGV[2] is 1); stale members are dropped.
    static let logins = RedisScript("ciba-logins", isRead: true, """
        local base, sub, byClient, client = KEYS[1], ARGV[1], ARGV[2] == '1', ARGV[3]
        local set = base .. 's:' .. sub
        local out = {}
        for _, id in ipairs(redis.call('SMEMBERS', set)) do
          local f = redis.call('HMGET', base .. 'k:' .. id, 's', 'c', 'j')
          if f[1] ~= sub then
            redis.call('SREM', set, id)
          elseif not byClient or f[2] == client then
            out[#out + 1] = id
            out[#out + 1] = f[3]
          end
        end
        return out
        """)

    static let take = RedisScript("ciba-take", """
        local base, id = KEYS[1], ARGV[1]
        local rk = base .. 'k:' .. id
        local f = redis.call('HMGET', rk, 's', 'j')
        if redis.call('EXISTS', rk) == 0 then return false end
        redis.call('DEL', rk)
        if f[1] then redis.call('SREM', base .. 's:' .. f[1], id) end
        redis.call('ZREM', base .. 'e', id)
        return f[2]
        """)
}
