import Foundation
import IdentityStorage

/// The distributed cache: a hash per entry (value, expires-at, absolute cap, sliding interval) in one of 16
/// buckets, with an expires-at sorted set per bucket for cleanup. Expiry is decided in Lua against "now" from
/// the store's clock; a safety `PEXPIRE` (remaining lifetime plus a grace period, never non-positive) lets
/// Redis reclaim entries nobody cleans up.
struct RedisDistributedCache: DistributedCache {
    let context: RedisStoreContext

    func get(_ key: String) async throws -> [UInt8]? {
        try DistributedCacheKey.validate(key)
        let base = context.keys.cacheBase(key)
        let reply = try await context.client.run(command(Self.get, base, [RedisValue.bytes(key), now(), grace()]), "reading cache entry")
        return try reply.optionalBytes()
    }

    func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        let arguments = try entryArguments(key, value, options)
        _ = try await context.client.run(command(Self.set, context.keys.cacheBase(key), arguments), "writing cache entry")
    }

    func refresh(_ key: String) async throws {
        try DistributedCacheKey.validate(key)
        _ = try await context.client.run(command(Self.refresh, context.keys.cacheBase(key), [RedisValue.bytes(key), now(), grace()]),
                                         "refreshing cache entry")
    }

    @discardableResult
    func remove(_ key: String) async throws -> Bool {
        try DistributedCacheKey.validate(key)
        let reply = try await context.client.run(command(Self.remove, context.keys.cacheBase(key), [RedisValue.bytes(key), now()]),
                                                 "removing cache entry")
        return try reply.integerValue() == 1
    }

    func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        let arguments = try entryArguments(key, value, options)
        let reply = try await context.client.run(command(Self.add, context.keys.cacheBase(key), arguments), "adding cache entry")
        return try reply.integerValue() == 1
    }

    func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        let arguments = try entryArguments(key, value, options)
        let reply = try await context.client.run(command(Self.getAndSet, context.keys.cacheBase(key), arguments), "swapping cache entry")
        let items = try reply.items()
        guard items.count == 2, try items[0].integerValue() == 1 else { return nil }
        return try items[1].optionalBytes() ?? []
    }

    /// Removes up to `limit` entries expired by now, across buckets; returns how many this call removed.
    func removeExpired(limit: Int) async throws -> Int {
        try FieldValidation.positive(limit, "limit")
        let bound = now()
        return try await RedisBucketCleanup.removeDue(client: context.client, bases: context.keys.cache, zset: "x", maximum: bound, limit: limit,
                                                      what: "cache entries") { base, members in
            command(Self.clean, base, [bound] + members)
        } decode: { reply throws(IdentityStorageError) in
            try reply.items()
        }.count
    }

    // MARK: Encoding

    private func command(_ script: RedisScript, _ base: RedisKeyspace.Base, _ arguments: [[UInt8]]) -> RedisCommand {
        RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot)
    }

    private func now() -> [UInt8] { RedisValue.micros(context.clock.now) }

    private func grace() -> [UInt8] { RedisValue.bytes(context.cacheGraceMilliseconds) }

    /// `key, value, expires-at, absolute, sliding (µs; empty when none), now, grace (ms)`.
    private func entryArguments(_ key: String, _ value: [UInt8], _ options: CacheEntryOptions) throws(IdentityStorageError) -> [[UInt8]] {
        try DistributedCacheKey.validate(key)
        try FieldValidation.payloadSize(value.count, "cache value")
        let now = context.clock.now
        let expiration = try options.resolve(at: now)
        return [RedisValue.bytes(key), value, expiration.expiresAt.map(RedisValue.micros) ?? [], expiration.absolute.map(RedisValue.micros) ?? [],
                expiration.slidingMicroseconds.map(RedisValue.bytes) ?? [], RedisValue.micros(now), grace()]
    }

    // MARK: Scripts (KEYS[1] is the bucket's `P{c:NN}:`; an entry is `v:<key>`, the expiry set `x`)

    static let common = """
        -- The safety TTL: remaining lifetime plus the grace period, at least 1 ms; none when grace is negative.
        local function expire(ek, remaining, grace)
          if grace < 0 then return end
          local ms = math.floor(remaining / 1000) + grace
          if ms < 1 then ms = 1 end
          redis.call('PEXPIRE', ek, int(ms))
        end
        local function live(f, now)
          return f[1] and (not f[2] or tonumber(f[2]) > now)
        end
        local function renew(base, key, ek, f, now, grace)
          if not f[2] or not f[4] then return end
          local nx = now + tonumber(f[4])
          if f[3] and tonumber(f[3]) < nx then nx = tonumber(f[3]) end
          redis.call('HSET', ek, 'x', int(nx))
          redis.call('ZADD', base .. 'x', int(nx), key)
          expire(ek, nx - now, grace)
        end
        local function write(base)
          local key, value, x, a, s, now, grace = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
          local ek = base .. 'v:' .. key
          local fields = {'v', value}
          if x ~= '' then fields[#fields + 1] = 'x'; fields[#fields + 1] = x end
          if a ~= '' then fields[#fields + 1] = 'a'; fields[#fields + 1] = a end
          if s ~= '' then fields[#fields + 1] = 's'; fields[#fields + 1] = s end
          redis.call('DEL', ek)
          redis.call('HSET', ek, unpack(fields))
          if x ~= '' then
            redis.call('ZADD', base .. 'x', x, key)
            expire(ek, tonumber(x) - now, grace)
          else
            redis.call('ZREM', base .. 'x', key)
          end
        end

        """

    static let get = RedisScript("cache-get", common + """
        local base, key, now, grace = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
        local ek = base .. 'v:' .. key
        local f = redis.call('HMGET', ek, 'v', 'x', 'a', 's')
        if not live(f, now) then return false end
        renew(base, key, ek, f, now, grace)
        return f[1]
        """)

    static let refresh = RedisScript("cache-refresh", common + """
        local base, key, now, grace = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
        local ek = base .. 'v:' .. key
        local f = redis.call('HMGET', ek, 'v', 'x', 'a', 's')
        if live(f, now) then renew(base, key, ek, f, now, grace) end
        return 1
        """)

    static let set = RedisScript("cache-set", common + """
        write(KEYS[1])
        return 1
        """)

    static let remove = RedisScript("cache-remove", common + """
        local base, key, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
        local ek = base .. 'v:' .. key
        local f = redis.call('HMGET', ek, 'v', 'x')
        redis.call('DEL', ek)
        redis.call('ZREM', base .. 'x', key)
        if live(f, now) then return 1 end
        return 0
        """)

    /// Stores only when no live entry has the key (an expired one counts as absent).
    static let add = RedisScript("cache-add", common + """
        local base = KEYS[1]
        local f = redis.call('HMGET', base .. 'v:' .. ARGV[1], 'v', 'x')
        if live(f, tonumber(ARGV[6])) then return 0 end
        write(base)
        return 1
        """)

    /// Stores and returns `{1, previous}` when a live entry existed, `{0}` otherwise.
    static let getAndSet = RedisScript("cache-get-and-set", common + """
        local base = KEYS[1]
        local f = redis.call('HMGET', base .. 'v:' .. ARGV[1], 'v', 'x')
        write(base)
        if live(f, tonumber(ARGV[6])) then return {1, f[1]} end
        return {0}
        """)

    /// Cleanup batch: removes the given entries that are still expired at ARGV[1]; returns the keys it removed.
    static let clean = RedisScript("cache-clean", common + """
        local base, now = KEYS[1], tonumber(ARGV[1])
        local removed = {}
        for j = 2, #ARGV do
          local key = ARGV[j]
          local ek = base .. 'v:' .. key
          local f = redis.call('HMGET', ek, 'v', 'x')
          if not f[1] then
            redis.call('ZREM', base .. 'x', key)
          elseif f[2] and tonumber(f[2]) <= now then
            redis.call('DEL', ek)
            redis.call('ZREM', base .. 'x', key)
            removed[#removed + 1] = key
          end
        end
        return removed
        """)
}
