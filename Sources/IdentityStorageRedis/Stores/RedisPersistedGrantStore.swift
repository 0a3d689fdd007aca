import Foundation
import IdentityStorage

/// Persisted grants: a hash per grant in one of 16 buckets, with subject, session, client, type and family indexes and
/// expiration/consumption sorted sets in the same bucket (see ``RedisDataModel``). Every write is one script.
///
/// A grant lives in the bucket of its family (``PersistedGrant/family``: its key when it has none), so that one script
/// reaches a whole refresh-token family; a member whose own key falls in another bucket leaves a pointer there (see
/// `RedisPersistedGrantStore+Families.swift`), which the single-key operations follow.
struct RedisPersistedGrantStore: PersistedGrantStore {
    let context: RedisStoreContext

    /// Hash fields in the order every script and decoder uses.
    static let fields = ["t", "s", "i", "c", "d", "ct", "e", "u", "v", "f", "n", "r"]
    static let fieldArguments = fields.map { Array($0.utf8) }

    func storeGrant(_ grant: PersistedGrant) async throws {
        try grant.validate()
        let reply = try await context.client.run(Self.storeCommand(grant, context.keys), "storing grant \(grant.key)")
        try await settleStore(of: grant, previousHome: try reply.optionalBytes())
    }

    func grant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let reply = try await context.client.run(Self.getCommand(key, context.keys), "reading grant \(key)")
        let values = try reply.items()
        if let grant = try Self.decode(key: key, values[...]) { return grant }
        guard let home = try Self.pointer(values) else { return nil }
        let followed = try await context.client.run(Self.getCommand(key, base: context.keys.grants[home]), "reading grant \(key)")
        return try Self.decode(key: key, followed.items()[...])
    }

    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        let normalized = filter.normalized
        if normalized.matchesNothing { return [] }
        return try await stepThroughGrants(matching: normalized, removing: false)
    }

    @discardableResult
    func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return try await followingPointer(key, "removing grant \(key)", clearsPointer: true) { base in
            RedisCommand(script: Self.remove, keys: [base.bytes], arguments: [RedisValue.bytes(key)], slot: base.slot)
        } decode: { reply throws(IdentityStorageError) in try reply.integerValue() == 1 } ?? false
    }

    @discardableResult
    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        let normalized = filter.normalized
        if normalized.matchesNothing { return 0 }
        let context = context
        // Removed rows are reported by count only, but the steps run to their end so that the count is the truth.
        return try await wholeBatch { try await RedisPersistedGrantStore(context: context).stepThroughGrants(matching: normalized, removing: true) }.count
    }

    func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await followingPointer(key, "taking grant \(key)", clearsPointer: true) { base in
            Self.takeCommand(key, base: base)
        } decode: { reply throws(IdentityStorageError) in try Self.decode(key: key, reply.items()[...]) } ?? nil
    }

    func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let now = context.clock.now
        return try await followingPointer(key, "consuming grant \(key)") { base in
            Self.consumeCommand(key, at: now, base: base)
        } decode: { reply throws(IdentityStorageError) in try Self.decode(key: key, reply.items()[...]) } ?? nil
    }

    // MARK: Commands (shared with the raw baseline and the bulk loader)

    /// The upsert script with the grant's present fields, run in the grant's home bucket (its family's); it also
    /// removes the key's pointer or copy in its own bucket when that is the home (see ``settleStore(of:previousHome:)``).
    static func storeCommand(_ grant: PersistedGrant, _ keys: RedisKeyspace) -> RedisCommand {
        let base = keys.grantBase(grant.family)
        var fields = RedisFields()
        fields.add("t", grant.type)
        fields.add("s", grant.subjectId)
        fields.add("i", grant.sessionId)
        fields.add("c", grant.clientId)
        fields.add("d", grant.description)
        fields.add("ct", grant.creationTime)
        fields.add("e", grant.expiration)
        fields.add("u", grant.consumedTime)
        fields.add("v", grant.data)
        fields.add("f", grant.familyId)
        fields.add("n", grant.successorKey)
        if grant.reuseCount != 0 { fields.add("r", RedisValue.bytes(grant.reuseCount)) }
        return RedisCommand(script: store, keys: [base.bytes], arguments: [RedisValue.bytes(grant.key)] + fields.arguments, slot: base.slot)
    }

    /// `HMGET` of every field and the pointer's: one command, no script.
    static func getCommand(_ key: String, _ keys: RedisKeyspace) -> RedisCommand {
        getCommand(key, base: keys.grantBase(key))
    }

    static func getCommand(_ key: String, base: RedisKeyspace.Base) -> RedisCommand {
        RedisCommand([RedisValue.bytes("HMGET"), base.key("k", key)] + fieldArguments + [pointerField], slot: base.slot)
    }

    static func takeCommand(_ key: String, _ keys: RedisKeyspace) -> RedisCommand { takeCommand(key, base: keys.grantBase(key)) }

    static func takeCommand(_ key: String, base: RedisKeyspace.Base) -> RedisCommand {
        RedisCommand(script: take, keys: [base.bytes], arguments: [RedisValue.bytes(key)], slot: base.slot)
    }

    static func consumeCommand(_ key: String, at now: Date, _ keys: RedisKeyspace) -> RedisCommand {
        consumeCommand(key, at: now, base: keys.grantBase(key))
    }

    static func consumeCommand(_ key: String, at now: Date, base: RedisKeyspace.Base) -> RedisCommand {
        RedisCommand(script: consume, keys: [base.bytes], arguments: [RedisValue.bytes(key), RedisValue.micros(now)], slot: base.slot)
    }

    // MARK: Cleanup

    /// Removes up to `limit` grants whose score in sorted set `zset` (`e` expiration, `u` consumption) is before
    /// `threshold`, oldest first across every bucket (see ``RedisBucketCleanup``).
    func removeDue(zset: String, before threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try FieldValidation.positive(limit, "limit")
        let bound = RedisValue.micros(threshold)
        return try await RedisBucketCleanup.removeDue(client: context.client, bases: context.keys.grants, zset: zset,
                                                      maximum: [UInt8(ascii: "(")] + bound, limit: limit, what: "grants") { base, members in
            RedisCommand(script: Self.clean, keys: [base.bytes], arguments: [RedisValue.bytes(zset), bound] + members, slot: base.slot)
        } decode: { reply throws(IdentityStorageError) in
            try Self.decodeList(reply)
        }
    }

    // MARK: Encoding

    /// A grant from the fields of ``fields``; nil when the type is absent (no such grant, or a pointer).
    static func decode(key: String, _ values: ArraySlice<RedisReply>) throws(IdentityStorageError) -> PersistedGrant? {
        guard values.count >= fields.count else { return nil }
        var fields: [[UInt8]?] = []
        for value in values { fields.append(try value.optionalBytes()) }
        let f = fields
        guard let type = f[0] else { return nil }
        let what = "grant \(key)"
        return PersistedGrant(key: key, type: try RedisValue.text(type, "\(what) type"),
                              subjectId: try RedisValue.optionalText(f[1], "\(what) subject"),
                              sessionId: try RedisValue.optionalText(f[2], "\(what) session id"),
                              clientId: try RedisValue.text(try RedisValue.required(f[3], "\(what) client id"), "\(what) client id"),
                              description: try RedisValue.optionalText(f[4], "\(what) description"),
                              creationTime: try RedisValue.date(f[5], "\(what) creation time"),
                              expiration: try RedisValue.optionalDate(f[6], "\(what) expiration"),
                              consumedTime: try RedisValue.optionalDate(f[7], "\(what) consumed time"),
                              data: try RedisValue.text(try RedisValue.required(f[8], "\(what) data"), "\(what) data"),
                              familyId: try RedisValue.optionalText(f[9], "\(what) family id"),
                              successorKey: try RedisValue.optionalText(f[10], "\(what) successor key"),
                              reuseCount: Int(try f[11].map { bytes throws(IdentityStorageError) in try RedisValue.int64(bytes, "\(what) reuse count") } ?? 0))
    }

    /// Grants from a flat `[key, fields…, key, fields…, …]` reply.
    static func decodeList(_ reply: RedisReply) throws(IdentityStorageError) -> [PersistedGrant] {
        let items = try reply.items()
        let stride = fields.count + 1
        var grants: [PersistedGrant] = []
        var index = 0
        while index + stride <= items.count {
            let key = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "grant key"), "grant key")
            if let grant = try decode(key: key, items[(index + 1)..<(index + stride)]) { grants.append(grant) }
            index += stride
        }
        return grants
    }

    // MARK: Scripts (KEYS[1] is the bucket's `P{g:NN}:`)

    static let common = """
        local FIELDS = {'t', 's', 'i', 'c', 'd', 'ct', 'e', 'u', 'v', 'f', 'n', 'r'}
        local function load(base, key) return redis.call('HMGET', base .. 'k:' .. key, unpack(FIELDS)) end
        local function unindex(base, key, t, s, i, c)
          if s then redis.call('SREM', base .. 's:' .. s, key) end
          if i then redis.call('SREM', base .. 'i:' .. i, key) end
          if c then redis.call('SREM', base .. 'c:' .. c, key) end
          if t then redis.call('SREM', base .. 't:' .. t, key) end
        end
        local function drop(base, key, f)
          redis.call('DEL', base .. 'k:' .. key)
          unindex(base, key, f[1], f[2], f[3], f[4])
          if f[10] then redis.call('SREM', base .. 'f:' .. f[10], key) end
          redis.call('ZREM', base .. 'e', key)
          redis.call('ZREM', base .. 'u', key)
        end

        """

    /// Upsert: unindex the old values, replace the hash (a pointer of the key included), index the new ones. Returns
    /// the bucket a replaced pointer named (the key's former home), or nil.
    static let store = RedisScript("grant-store", common + """
        local base, key = KEYS[1], ARGV[1]
        local rk = base .. 'k:' .. key
        local old = redis.call('HMGET', rk, 't', 's', 'i', 'c', 'f', 'b')
        unindex(base, key, old[1], old[2], old[3], old[4])
        if old[5] then redis.call('SREM', base .. 'f:' .. old[5], key) end
        redis.call('DEL', rk)
        redis.call('HSET', rk, unpack(ARGV, 2))
        local new = redis.call('HMGET', rk, 't', 's', 'i', 'c', 'e', 'u', 'f')
        redis.call('SADD', base .. 't:' .. new[1], key)
        if new[2] then redis.call('SADD', base .. 's:' .. new[2], key) end
        if new[3] then redis.call('SADD', base .. 'i:' .. new[3], key) end
        redis.call('SADD', base .. 'c:' .. new[4], key)
        if new[5] then redis.call('ZADD', base .. 'e', new[5], key) else redis.call('ZREM', base .. 'e', key) end
        if new[6] then redis.call('ZADD', base .. 'u', new[6], key) else redis.call('ZREM', base .. 'u', key) end
        if new[7] then redis.call('SADD', base .. 'f:' .. new[7], key) end
        return old[6]
        """)

    /// The single-key scripts below start here: a pointer in the key's own bucket sends the caller to the grant's home.
    static let followPointer = """
        local moved = redis.call('HGET', KEYS[1] .. 'k:' .. ARGV[1], 'b')
        if moved then return {'@', moved} end

        """

    static let remove = RedisScript("grant-remove", common + followPointer + """
        local base, key = KEYS[1], ARGV[1]
        if redis.call('EXISTS', base .. 'k:' .. key) == 0 then return 0 end
        drop(base, key, load(base, key))
        return 1
        """)

    static let take = RedisScript("grant-take", common + followPointer + """
        local base, key = KEYS[1], ARGV[1]
        if redis.call('EXISTS', base .. 'k:' .. key) == 0 then return false end
        local f = load(base, key)
        drop(base, key, f)
        return f
        """)

    /// Sets the consumed time only if unset; returns the updated grant to that caller only.
    static let consume = RedisScript("grant-consume", common + followPointer + """
        local base, key, now = KEYS[1], ARGV[1], ARGV[2]
        local f = load(base, key)
        if not f[1] or f[8] then return false end
        redis.call('HSET', base .. 'k:' .. key, 'u', now)
        redis.call('ZADD', base .. 'u', now, key)
        f[8] = now
        return f
        """)

    /// Cleanup batch: removes the given members of sorted set ARGV[1] whose score is still before ARGV[2];
    /// returns exactly the grants it removed.
    static let clean = RedisScript("grant-clean", common + """
        local base, zset, bound = KEYS[1], ARGV[1], tonumber(ARGV[2])
        local out, due = {}, {}
        for j = 3, #ARGV do
          local key = ARGV[j]
          local score = redis.call('ZSCORE', base .. zset, key)
          if score and tonumber(score) < bound then
            local f = load(base, key)
            if f[1] then
              redis.call('DEL', base .. 'k:' .. key)
              unindex(base, key, f[1], f[2], f[3], f[4])
              if f[10] then redis.call('SREM', base .. 'f:' .. f[10], key) end
              out[#out + 1] = key
              for i = 1, #FIELDS do out[#out + 1] = f[i] end
            end
            due[#due + 1] = key
          end
        end
        -- One ZREM per sorted set for the whole script (a grant that was already gone only leaves stale members).
        if #due > 0 then
          redis.call('ZREM', base .. 'e', unpack(due))
          redis.call('ZREM', base .. 'u', unpack(due))
        end
        return out
        """)
}

/// The grant store's own commands, for the raw baseline and bulk loader of `idstore bench` (package access).
package enum RedisGrantCommands {
    package static func store(_ grant: PersistedGrant, _ keys: RedisKeyspace) -> RedisCommand { RedisPersistedGrantStore.storeCommand(grant, keys) }
    package static func get(_ key: String, _ keys: RedisKeyspace) -> RedisCommand { RedisPersistedGrantStore.getCommand(key, keys) }
    package static func take(_ key: String, _ keys: RedisKeyspace) -> RedisCommand { RedisPersistedGrantStore.takeCommand(key, keys) }
    package static func consume(_ key: String, at now: Date, _ keys: RedisKeyspace) -> RedisCommand {
        RedisPersistedGrantStore.consumeCommand(key, at: now, keys)
    }
}
