import Foundation
import IdentityStorage

/// Clients as JSON documents under one hash tag, an id-ordered set for listing, and a CORS index
/// (`o2c:<origin>` → client ids, `o:<client>` → its origins) maintained by the same script as the document.
struct RedisClientStore: ClientStore {
    let context: RedisStoreContext

    private var base: RedisKeyspace.Base { context.keys.clients }

    func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("GET"), base.key("k", clientId)], slot: base.slot), "reading client")
        return try Self.decode(clientId, try reply.optionalBytes())
    }

    func saveClient(_ client: Client) async throws {
        try client.validate()
        let stored = try client.normalizedForStorage()
        let document = try StorageJSON.string(stored)
        let origins = stored.allowedCorsOrigins.sorted().map(RedisValue.bytes)
        _ = try await run(Self.save, [RedisValue.bytes(stored.clientId), RedisValue.bytes(document)] + origins, "saving client")
    }

    @discardableResult
    func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return try await run(Self.delete, [RedisValue.bytes(clientId)], "deleting client").integerValue() == 1
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let reply = try await run(Self.list, [RedisValue.bytes(cursor == nil ? "0" : "1"), RedisValue.bytes(cursor ?? ""), RedisValue.bytes(limit + 1)],
                                  "listing clients")
        let items = try reply.items()
        var clients: [Client] = []
        var index = 0
        while index + 1 < items.count {
            let id = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "client id"), "client id")
            if let client = try Self.decode(id, try items[index + 1].optionalBytes()) { clients.append(client) }
            index += 2
        }
        let page = Array(clients.prefix(limit))
        return ClientPage(clients: page, nextCursor: clients.count > limit ? page.last?.clientId : nil)
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("EXISTS"), base.key("o2c", normalized)], slot: base.slot),
                                                 "checking a CORS origin")
        return try reply.integerValue() > 0
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    static func decode(_ id: String, _ document: [UInt8]?) throws(IdentityStorageError) -> Client? {
        guard let document else { return nil }
        return try DecodedDocuments.clients.decode(try RedisValue.text(document, "client \(id)"), id: id, what: "client \(id)")
    }

    // MARK: Scripts (KEYS[1] is `P{cl}:`)

    static let common = """
        local function unindex(base, id)
          local own = base .. 'o:' .. id
          for _, origin in ipairs(redis.call('SMEMBERS', own)) do redis.call('SREM', base .. 'o2c:' .. origin, id) end
          redis.call('DEL', own)
        end

        """

    static let save = RedisScript("client-save", common + """
        local base, id, doc = KEYS[1], ARGV[1], ARGV[2]
        unindex(base, id)
        redis.call('SET', base .. 'k:' .. id, doc)
        redis.call('ZADD', base .. 'ids', 0, id)
        for j = 3, #ARGV do
          redis.call('SADD', base .. 'o:' .. id, ARGV[j])
          redis.call('SADD', base .. 'o2c:' .. ARGV[j], id)
        end
        \(RedisConfigurationListener.publish)        return 1
        """)

    static let delete = RedisScript("client-delete", common + """
        local base, id = KEYS[1], ARGV[1]
        unindex(base, id)
        redis.call('ZREM', base .. 'ids', id)
        local removed = redis.call('DEL', base .. 'k:' .. id)
        \(RedisConfigurationListener.publish)        return removed
        """)

    /// `[id, document, …]` of up to ARGV[3] clients after the cursor, in byte order of id.
    static let list = RedisScript("client-list", isRead: true, """
        local base = KEYS[1]
        local from = '-'
        if ARGV[1] == '1' then from = '(' .. ARGV[2] end
        local out = {}
        for _, id in ipairs(redis.call('ZRANGEBYLEX', base .. 'ids', from, '+', 'LIMIT', 0, tonumber(ARGV[3]))) do
          local doc = redis.call('GET', base .. 'k:' .. id)
          if doc then out[#out + 1] = id; out[#out + 1] = doc end
        end
        return out
        """)
}
