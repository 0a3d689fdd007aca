import Foundation
import IdentityStorage

/// The data-protection key ring under one hash tag: a counter for ids (never reused), a hash per element,
/// and an id-ordered set. The conditional append compares the newest id inside the script that appends.
struct RedisKeyRingStore: KeyRingStore {
    let context: RedisStoreContext

    private var base: RedisKeyspace.Base { context.keys.keyRing }

    func allElements() async throws -> [KeyRingElement] {
        let items = try await run(Self.all, [], "reading the key ring").items()
        var elements: [KeyRingElement] = []
        var index = 0
        while index + 2 < items.count {
            let id = try RedisValue.int64(try RedisValue.required(try items[index].optionalBytes(), "key-ring element id"), "key-ring element id")
            let what = "key-ring element \(id)"
            do {
                let xml = try RedisValue.text(try RedisValue.required(try items[index + 2].optionalBytes(), what), what)
                if xml.isEmpty { throw IdentityStorageError.corruptedData("\(what) is empty") }
                elements.append(KeyRingElement(id: id, friendlyName: try RedisValue.optionalText(try items[index + 1].optionalBytes(), "\(what) friendly name"),
                                               xml: xml))
            } catch let error as IdentityStorageError {
                throw IdentityStorageError.corruptedData("\(error.message); refusing to return a partial key ring")
            }
            index += 3
        }
        return elements
    }

    @discardableResult
    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        guard let element = try await append(xml: xml, friendlyName: friendlyName, expected: nil) else {
            throw IdentityStorageError(.unavailable, "the key ring refused an unconditional append")
        }
        return element
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try KeyRingElement.validate(xml: xml, friendlyName: friendlyName)
        return try await append(xml: xml, friendlyName: friendlyName, expected: .some(expectedLatestId))
    }

    @discardableResult
    func deleteElements(withIds ids: [Int64]) async throws -> Int {
        if ids.isEmpty { return 0 }
        return Int(try await run(Self.delete, ids.map(RedisValue.bytes), "deleting key-ring elements").integerValue())
    }

    /// `expected`: nil unconditional; `.some(nil)` only into an empty ring; `.some(id)` only if `id` is the newest.
    private func append(xml: String, friendlyName: String?, expected: Int64??) async throws -> KeyRingElement? {
        let condition: String = switch expected {
        case .none: ""
        case .some(.none): "none"
        case .some(.some(let id)): String(id)
        }
        let reply = try await run(Self.append, [RedisValue.bytes(condition), RedisValue.bytes(friendlyName == nil ? "0" : "1"),
                                                RedisValue.bytes(friendlyName ?? ""), RedisValue.bytes(xml)], "appending to the key ring")
        guard case .integer(let id) = reply else { return nil }
        return KeyRingElement(id: id, friendlyName: friendlyName, xml: xml)
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    // MARK: Scripts (KEYS[1] is `P{kr}:`)

    /// ARGV = condition (empty: none; `none`: the ring must be empty; else the newest id), has-name, name, XML.
    /// Returns the new id, or nil when the condition failed.
    static let append = RedisScript("key-ring-append", """
        local base, condition = KEYS[1], ARGV[1]
        if condition ~= '' then
          local newest = redis.call('ZREVRANGE', base .. 'ids', 0, 0)[1] or 'none'
          if newest ~= condition then return false end
        end
        local id = redis.call('INCR', base .. 'n')
        local rk = base .. 'k:' .. id
        if ARGV[2] == '1' then redis.call('HSET', rk, 'x', ARGV[4], 'f', ARGV[3]) else redis.call('HSET', rk, 'x', ARGV[4]) end
        redis.call('ZADD', base .. 'ids', id, id)
        return id
        """)

    static let delete = RedisScript("key-ring-delete", """
        local base = KEYS[1]
        local n = 0
        for _, id in ipairs(ARGV) do
          if redis.call('DEL', base .. 'k:' .. id) == 1 then n = n + 1 end
          redis.call('ZREM', base .. 'ids', id)
        end
        return n
        """)

    /// `[id, friendly name, XML, …]` in id order.
    static let all = RedisScript("key-ring-all", isRead: true, """
        local base = KEYS[1]
        local out = {}
        for _, id in ipairs(redis.call('ZRANGE', base .. 'ids', 0, -1)) do
          local f = redis.call('HMGET', base .. 'k:' .. id, 'f', 'x')
          out[#out + 1] = id
          out[#out + 1] = f[1]
          out[#out + 1] = f[2]
        end
        return out
        """)
}
