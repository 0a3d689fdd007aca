import IdentityStorage

// Hooks for this package's tests and tools (`package` access): nothing outside the package sees them.
extension RedisIdentityStorage {
    /// Test hook: stores under another key prefix on the same connections (a private keyspace for one test).
    package func makeStores(clock: (any WallClock)?, keyPrefix: String) throws -> IdentityStores {
        var probe = configuration
        probe.keyPrefix = keyPrefix
        try probe.validate()
        return makeStores(clock: clock, keys: RedisKeyspace(prefix: keyPrefix))
    }

    /// Test hook: runs a raw command routed by `routingKey` (cluster: its slot; nil: slot 0) and returns the
    /// reply as text lines (bulk strings and statuses as text, integers in decimal, nil as `(nil)`, arrays flattened).
    package func rawCommand(_ arguments: [String], routingKey: String? = nil) async throws -> [String] {
        let reply = try await client.run(RedisCommand(arguments.map(RedisValue.bytes), slot: routingKey.map { RedisSlot.of(Array($0.utf8)) }),
                                         "running a raw command")
        func lines(_ reply: RedisReply) -> [String] {
            switch reply {
            case .bulk(let bytes): return [String(decoding: bytes, as: UTF8.self)]
            case .status(let text), .error(let text): return [text]
            case .integer(let value): return [String(value)]
            case .null: return ["(nil)"]
            case .array(let items): return items.flatMap(lines)
            }
        }
        return lines(reply)
    }

    /// Test hook: re-reads the cluster's slot map now (a no-op on a standalone server).
    package func refreshTopology() async throws {
        if case .cluster(let router) = client.topology { try await router.refresh() }
    }

    /// Test hook: the raw Redis key of a grant (so tests can check where it landed), under `keyPrefix`
    /// (default: this storage's).
    package func grantRecordKey(_ key: String, keyPrefix: String? = nil) -> [UInt8] {
        keyspace(keyPrefix).grantBase(key).key("k", key)
    }

    /// Test hook: the raw Redis key of a cache entry, under `keyPrefix` (default: this storage's).
    package func cacheRecordKey(_ key: String, keyPrefix: String? = nil) -> [UInt8] {
        keyspace(keyPrefix).cacheBase(key).key("v", key)
    }

    /// The keyspace under `prefix`, or this storage's.
    package func keyspace(_ prefix: String?) -> RedisKeyspace {
        prefix.map(RedisKeyspace.init(prefix:)) ?? keys
    }
}
