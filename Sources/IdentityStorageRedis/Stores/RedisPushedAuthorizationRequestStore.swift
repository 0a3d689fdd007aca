import Foundation
import IdentityStorage

/// Pushed authorization requests under one hash tag: a hash per request hash, an expiry set for cleanup.
struct RedisPushedAuthorizationRequestStore: PushedAuthorizationRequestStore {
    let context: RedisStoreContext

    private var base: RedisKeyspace.Base { context.keys.pushedAuthorizationRequests }

    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try request.validate()
        let reply = try await run(Self.store, [RedisValue.bytes(request.referenceValueHash), RedisValue.micros(request.expiresAt),
                                               RedisValue.bytes(request.parameters)], "storing pushed authorization request")
        if try reply.integerValue() == 0 {
            throw IdentityStorageError.duplicate("a pushed authorization request with this hash is already stored")
        }
    }

    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("HMGET"), base.key("k", referenceValueHash), RedisValue.bytes("e"),
                                                               RedisValue.bytes("v")], slot: base.slot), "reading pushed authorization request")
        return try Self.decode(referenceValueHash, reply)
    }

    @discardableResult
    func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try await takePushedAuthorizationRequest(forHash: referenceValueHash) != nil
    }

    func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        return try Self.decode(referenceValueHash, try await run(Self.take, [RedisValue.bytes(referenceValueHash)], "taking pushed authorization request"))
    }

    func removeExpired(limit: Int) async throws -> Int {
        let now = RedisValue.micros(context.clock.now)
        return try await RedisExpirySet.remove(limit: limit) { [self] asked in
            try await run(RedisExpirySet.clean, [now, RedisValue.bytes(asked)], "removing expired pushed authorization requests")
        }
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    private static func decode(_ hash: String, _ reply: RedisReply) throws(IdentityStorageError) -> PushedAuthorizationRequest? {
        let items = try reply.items()
        guard items.count == 2, let expires = try items[0].optionalBytes() else { return nil }
        let what = "pushed authorization request \(hash)"
        return PushedAuthorizationRequest(referenceValueHash: hash, expiresAt: try RedisValue.date(expires, "\(what) expiry"),
                                          parameters: try RedisValue.text(try RedisValue.required(try items[1].optionalBytes(), "\(what) parameters"),
                                                                          "\(what) parameters"))
    }

    // MARK: Scripts (KEYS[1] is `P{p}:`)

    static let store = RedisScript("par-store", """
        local base, hash = KEYS[1], ARGV[1]
        local rk = base .. 'k:' .. hash
        if redis.call('EXISTS', rk) == 1 then return 0 end
        redis.call('HSET', rk, 'e', ARGV[2], 'v', ARGV[3])
        redis.call('ZADD', base .. 'e', ARGV[2], hash)
        return 1
        """)

    static let take = RedisScript("par-take", """
        local base, hash = KEYS[1], ARGV[1]
        local rk = base .. 'k:' .. hash
        local f = redis.call('HMGET', rk, 'e', 'v')
        if not f[1] then return {} end
        redis.call('DEL', rk)
        redis.call('ZREM', base .. 'e', hash)
        return f
        """)
}

/// Cleanup of single-tag stores whose items are `k:<id>` keys with an expiry in sorted set `e`
/// (PAR, CIBA): deletes up to ARGV[2] items expired before ARGV[1] and returns how many it deleted.
/// A `k:` item's other index entries are named by ARGV[3] (CIBA: its subject set, from field `s`).
enum RedisExpirySet {
    /// Up to `limit` items in steps of ``RedisCleanupSteps/itemsPerScript``; `run` runs ``clean`` for a step's number.
    static func remove(limit: Int, _ run: @escaping @Sendable (Int) async throws -> RedisReply) async throws -> Int {
        try await RedisCleanupSteps.remove(limit: limit) { asked in
            [Void](repeating: (), count: Int(try await run(asked).integerValue()))
        }.count
    }

    static let clean = RedisScript("expiry-clean", """
        local base, now, limit, subjectIndex = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
        local n = 0
        while n < limit do
          local batch = redis.call('ZRANGEBYSCORE', base .. 'e', '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit - n)
          if #batch == 0 then break end
          for _, id in ipairs(batch) do
            local rk = base .. 'k:' .. id
            local f = redis.call('HMGET', rk, 'e', 's')
            if f[1] and tonumber(f[1]) < now then
              redis.call('DEL', rk)
              redis.call('ZREM', base .. 'e', id)
              if subjectIndex and f[2] then redis.call('SREM', base .. 's:' .. f[2], id) end
              n = n + 1
            elseif f[1] then
              redis.call('ZADD', base .. 'e', f[1], id)
            else
              redis.call('ZREM', base .. 'e', id)
            end
          end
        end
        return n
        """)
}
