import Foundation
import IdentityStorage

/// Identity resources, API scopes and API resources as JSON documents under one hash tag, with name sets
/// for listing and a scope → API-resource index maintained by the same script as the document.
struct RedisResourceStore: ResourceStore {
    let context: RedisStoreContext

    private var base: RedisKeyspace.Base { context.keys.resources }

    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await documents(DecodedDocuments.identityResources, kind: "i", scopeNames)
    }

    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await documents(DecodedDocuments.apiScopes, kind: "a", scopeNames)
    }

    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        let names = try Self.uniqueNames(scopeNames)
        if names.isEmpty { return [] }
        let reply = try await run(Self.byScopes, names.map(RedisValue.bytes), "reading API resources by scope")
        return try Self.decodePairs(DecodedDocuments.apiResources, reply)
    }

    func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await documents(DecodedDocuments.apiResources, kind: "r", names)
    }

    func allResources() async throws -> Resources {
        let items = try await run(Self.all, [], "reading all resources").items()
        guard items.count == 3 else { throw RedisErrors.unexpected(.array(items), expected: "three resource lists") }
        return Resources(identityResources: try Self.decodePairs(DecodedDocuments.identityResources, items[0]),
                         apiResources: try Self.decodePairs(DecodedDocuments.apiResources, items[1]),
                         apiScopes: try Self.decodePairs(DecodedDocuments.apiScopes, items[2]))
    }

    func saveIdentityResource(_ resource: IdentityResource) async throws {
        try resource.validate()
        _ = try await run(Self.save, [RedisValue.bytes("i"), RedisValue.bytes(resource.name), RedisValue.bytes(try StorageJSON.string(resource))],
                          "saving identity resource")
    }

    func saveApiScope(_ scope: ApiScope) async throws {
        try scope.validate()
        _ = try await run(Self.save, [RedisValue.bytes("a"), RedisValue.bytes(scope.name), RedisValue.bytes(try StorageJSON.string(scope))],
                          "saving API scope")
    }

    func saveApiResource(_ resource: ApiResource) async throws {
        try resource.validate()
        let stored = resource.atStoragePrecision
        _ = try await run(Self.save, [RedisValue.bytes("r"), RedisValue.bytes(stored.name), RedisValue.bytes(try StorageJSON.string(stored))]
                          + stored.scopes.sorted().map(RedisValue.bytes), "saving API resource")
    }

    @discardableResult
    func deleteIdentityResource(named name: String) async throws -> Bool { try await delete("i", name) }

    @discardableResult
    func deleteApiScope(named name: String) async throws -> Bool { try await delete("a", name) }

    @discardableResult
    func deleteApiResource(named name: String) async throws -> Bool { try await delete("r", name) }

    private func delete(_ kind: String, _ name: String) async throws -> Bool {
        try FieldValidation.key(name, "resource name")
        return try await run(Self.remove, [RedisValue.bytes(kind), RedisValue.bytes(name)], "deleting resource").integerValue() == 1
    }

    private func documents<T>(_ cache: DecodedDocumentCache<T>, kind: String, _ names: [String]) async throws -> [T] {
        let names = try Self.uniqueNames(names)
        if names.isEmpty { return [] }
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("MGET")] + names.map { base.key(kind, $0) }, slot: base.slot),
                                                 "reading resources")
        var result: [T] = []
        for (name, document) in zip(names, try reply.items()) {
            guard let bytes = try document.optionalBytes() else { continue }
            result.append(try cache.decode(try RedisValue.text(bytes, "resource \(name)"), id: name, what: "resource \(name)"))
        }
        return result
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    /// Validated names, each once (byte-exact), in the order given.
    private static func uniqueNames(_ names: [String]) throws(IdentityStorageError) -> [String] {
        var seen = Set<ExactString>(), unique: [String] = []
        for name in names {
            try FieldValidation.key(name, "resource name")
            if seen.insert(ExactString(name)).inserted { unique.append(name) }
        }
        return unique
    }

    /// `[name, document, …]`.
    private static func decodePairs<T>(_ cache: DecodedDocumentCache<T>, _ reply: RedisReply) throws(IdentityStorageError) -> [T] {
        let items = try reply.items()
        var result: [T] = []
        var index = 0
        while index + 1 < items.count {
            let name = String(decoding: try items[index].optionalBytes() ?? [], as: UTF8.self)
            if let bytes = try items[index + 1].optionalBytes() {
                result.append(try cache.decode(try RedisValue.text(bytes, "resource \(name)"), id: name, what: "resource \(name)"))
            }
            index += 2
        }
        return result
    }

    // MARK: Scripts (KEYS[1] is `P{r}:`; kinds `i` identity resource, `a` API scope, `r` API resource)

    static let common = """
        local function unindexScopes(base, name)
          local own = base .. 'rsn:' .. name
          for _, scope in ipairs(redis.call('SMEMBERS', own)) do redis.call('SREM', base .. 'rsc:' .. scope, name) end
          redis.call('DEL', own)
        end

        """

    /// ARGV = kind, name, document, then (API resources) its scopes.
    static let save = RedisScript("resource-save", common + """
        local base, kind, name, doc = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
        redis.call('SET', base .. kind .. ':' .. name, doc)
        redis.call('SADD', base .. kind .. 's', name)
        if kind == 'r' then
          unindexScopes(base, name)
          for j = 4, #ARGV do
            redis.call('SADD', base .. 'rsn:' .. name, ARGV[j])
            redis.call('SADD', base .. 'rsc:' .. ARGV[j], name)
          end
        end
        \(RedisConfigurationListener.publish)        return 1
        """)

    static let remove = RedisScript("resource-delete", common + """
        local base, kind, name = KEYS[1], ARGV[1], ARGV[2]
        if kind == 'r' then unindexScopes(base, name) end
        redis.call('SREM', base .. kind .. 's', name)
        local removed = redis.call('DEL', base .. kind .. ':' .. name)
        \(RedisConfigurationListener.publish)        return removed
        """)

    /// `[name, document, …]` of the API resources serving any of the given scopes, each once.
    static let byScopes = RedisScript("resource-by-scopes", isRead: true, """
        local base = KEYS[1]
        local seen, out = {}, {}
        for _, scope in ipairs(ARGV) do
          for _, name in ipairs(redis.call('SMEMBERS', base .. 'rsc:' .. scope)) do
            if not seen[name] then
              seen[name] = true
              local doc = redis.call('GET', base .. 'r:' .. name)
              if doc then out[#out + 1] = name; out[#out + 1] = doc end
            end
          end
        end
        return out
        """)

    /// `{[identity resources], [API resources], [API scopes]}`, each `[name, document, …]`.
    static let all = RedisScript("resource-all", isRead: true, """
        local base = KEYS[1]
        local function kind(k)
          local out = {}
          for _, name in ipairs(redis.call('SMEMBERS', base .. k .. 's')) do
            local doc = redis.call('GET', base .. k .. ':' .. name)
            if doc then out[#out + 1] = name; out[#out + 1] = doc else redis.call('SREM', base .. k .. 's', name) end
          end
          return out
        end
        return {kind('i'), kind('r'), kind('a')}
        """)
}
