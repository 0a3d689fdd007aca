import Foundation
import IdentityStorage

/// Signing keys under one hash tag: a hash per id, an id-ordered set, and a creation-time set that the
/// conditional store checks in the same script that writes.
struct RedisSigningKeyStore: SigningKeyStore {
    let context: RedisStoreContext

    static let fields = ["ver", "c", "a", "x", "v", "p"]

    private var base: RedisKeyspace.Base { context.keys.signingKeys }

    func loadKeys() async throws -> [SerializedKey] {
        let items = try await run(Self.load, [], "loading signing keys").items()
        let stride = Self.fields.count + 1
        var keys: [SerializedKey] = []
        var index = 0
        while index + stride <= items.count {
            let id = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "signing key id"), "signing key id")
            var f: [[UInt8]?] = []
            for value in items[(index + 1)..<(index + stride)] { f.append(try value.optionalBytes()) }
            let what = "signing key \(id)"
            keys.append(SerializedKey(id: id, version: Int(try RedisValue.int64(try RedisValue.required(f[0], what), "\(what) version")),
                                      created: try RedisValue.date(f[1], "\(what) created"),
                                      algorithm: try RedisValue.text(try RedisValue.required(f[2], what), "\(what) algorithm"),
                                      isX509Certificate: f[3] == Array("1".utf8),
                                      data: try RedisValue.text(try RedisValue.required(f[4], what), "\(what) data"),
                                      dataProtected: f[5] == Array("1".utf8)))
            index += stride
        }
        return keys
    }

    func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        if try await store(key, threshold: nil) == -1 {
            throw IdentityStorageError.duplicate("a signing key with id \(key.id) is already stored")
        }
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        try FieldValidation.threshold(threshold, "ifNoKeyCreatedAfter")
        switch try await store(key, threshold: threshold) {
        case 1: return true
        case -1: throw IdentityStorageError.duplicate("a signing key with id \(key.id) is already stored")
        default: return false
        }
    }

    @discardableResult
    func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return try await run(Self.delete, [RedisValue.bytes(id)], "deleting signing key").integerValue() == 1
    }

    private func store(_ key: SerializedKey, threshold: Date?) async throws -> Int64 {
        var fields = RedisFields()
        fields.add("ver", RedisValue.bytes(key.version))
        fields.add("c", key.created)
        fields.add("a", key.algorithm)
        fields.add("x", key.isX509Certificate ? "1" : "0")
        fields.add("v", key.data)
        fields.add("p", key.dataProtected ? "1" : "0")
        return try await run(Self.store, [RedisValue.bytes(key.id), RedisValue.micros(key.created), threshold.map(RedisValue.micros) ?? []] + fields.arguments,
                             "storing signing key").integerValue()
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    // MARK: Scripts (KEYS[1] is `P{sk}:`)

    /// ARGV = id, created, threshold (empty: unconditional), fields. 1 stored, 0 refused (a key created after
    /// the threshold exists), -1 duplicate id.
    static let store = RedisScript("signing-key-store", """
        local base, id, created, threshold = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
        if threshold ~= '' and #redis.call('ZRANGEBYSCORE', base .. 'c', '(' .. threshold, '+inf', 'LIMIT', 0, 1) > 0 then return 0 end
        local rk = base .. 'k:' .. id
        if redis.call('EXISTS', rk) == 1 then return -1 end
        redis.call('HSET', rk, unpack(ARGV, 4))
        redis.call('ZADD', base .. 'ids', 0, id)
        redis.call('ZADD', base .. 'c', created, id)
        return 1
        """)

    static let delete = RedisScript("signing-key-delete", """
        local base, id = KEYS[1], ARGV[1]
        redis.call('ZREM', base .. 'ids', id)
        redis.call('ZREM', base .. 'c', id)
        return redis.call('DEL', base .. 'k:' .. id)
        """)

    /// `[id, ver, c, a, x, v, p, …]` in byte order of id.
    static let load = RedisScript("signing-key-load", isRead: true, """
        local base = KEYS[1]
        local out = {}
        for _, id in ipairs(redis.call('ZRANGE', base .. 'ids', 0, -1)) do
          local f = redis.call('HMGET', base .. 'k:' .. id, 'ver', 'c', 'a', 'x', 'v', 'p')
          if f[1] then
            out[#out + 1] = id
            for j = 1, 6 do out[#out + 1] = f[j] end
          end
        end
        return out
        """)
}
