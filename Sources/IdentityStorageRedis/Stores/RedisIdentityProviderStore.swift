import Foundation
import IdentityStorage

/// Identity providers under one hash tag: a hash per scheme and a scheme-ordered set.
struct RedisIdentityProviderStore: IdentityProviderStore {
    let context: RedisStoreContext

    private var base: RedisKeyspace.Base { context.keys.identityProviders }

    func allSchemeNames() async throws -> [IdentityProviderName] {
        let items = try await run(Self.all, [], "listing identity providers").items()
        var names: [IdentityProviderName] = []
        var index = 0
        while index + 2 < items.count {
            let scheme = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "scheme"), "scheme")
            names.append(IdentityProviderName(scheme: scheme,
                                              displayName: try RedisValue.optionalText(try items[index + 1].optionalBytes(), "identity provider \(scheme) name"),
                                              enabled: try items[index + 2].optionalBytes() == Array("1".utf8)))
            index += 3
        }
        return names
    }

    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try FieldValidation.key(scheme, "scheme")
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("HMGET"), base.key("k", scheme)] + ["n", "en", "t", "p"].map(RedisValue.bytes),
                                                              slot: base.slot), "reading identity provider")
        let f = try reply.items().map { value throws(IdentityStorageError) in try value.optionalBytes() }
        guard f.count == 4, let type = f[2] else { return nil }
        let what = "identity provider \(scheme)"
        let properties = try StorageJSON.decode([String: String].self, from: try RedisValue.text(try RedisValue.required(f[3], what), what), what: what)
        return IdentityProvider(scheme: scheme, type: try RedisValue.text(type, "\(what) type"), displayName: try RedisValue.optionalText(f[0], "\(what) name"),
                                enabled: f[1] == Array("1".utf8), properties: properties)
    }

    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        var fields = RedisFields()
        fields.add("n", provider.displayName)
        fields.add("en", provider.enabled ? "1" : "0")
        fields.add("t", provider.type)
        fields.add("p", try StorageJSON.string(provider.properties))
        _ = try await run(Self.save, [RedisValue.bytes(provider.scheme)] + fields.arguments, "saving identity provider")
    }

    @discardableResult
    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        return try await run(Self.delete, [RedisValue.bytes(scheme)], "deleting identity provider").integerValue() == 1
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    // MARK: Scripts (KEYS[1] is `P{ip}:`)

    static let save = RedisScript("idp-save", """
        local base, scheme = KEYS[1], ARGV[1]
        redis.call('DEL', base .. 'k:' .. scheme)
        redis.call('HSET', base .. 'k:' .. scheme, unpack(ARGV, 2))
        redis.call('ZADD', base .. 'ids', 0, scheme)
        \(RedisConfigurationListener.publish)        return 1
        """)

    static let delete = RedisScript("idp-delete", """
        local base, scheme = KEYS[1], ARGV[1]
        redis.call('ZREM', base .. 'ids', scheme)
        local removed = redis.call('DEL', base .. 'k:' .. scheme)
        \(RedisConfigurationListener.publish)        return removed
        """)

    /// `[scheme, display name, enabled, …]` in byte order of scheme.
    static let all = RedisScript("idp-all", isRead: true, """
        local base = KEYS[1]
        local out = {}
        for _, scheme in ipairs(redis.call('ZRANGE', base .. 'ids', 0, -1)) do
          local f = redis.call('HMGET', base .. 'k:' .. scheme, 'n', 'en')
          if f[2] then out[#out + 1] = scheme; out[#out + 1] = f[1]; out[#out + 1] = f[2] end
        end
        return out
        """)
}
