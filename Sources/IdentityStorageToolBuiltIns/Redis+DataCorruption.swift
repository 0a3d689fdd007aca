import IdentityStorage
import IdentityStorageConformance
import IdentityStorageRedis

/// The corrupted-data cases' damage on Redis: plain `GET`, `SET` and `HSET` of the store's own keys through its own
/// connections, so the cases pass under an ACL user limited to the key prefix.
struct RedisDataCorruption: StoredDataCorrupting {
    let storage: RedisIdentityStorage
    let keys: RedisKeyspace

    func corrupt(_ corruption: StoredDataCorruption) async throws {
        let client = storage.client
        switch corruption {
        case .clientRefreshTokenUsage(let clientId), .clientAccessTokenType(let clientId):
            let base = keys.clients
            let key = base.key("k", clientId)
            guard let document = try await client.run(RedisCommand([RedisValue.bytes("GET"), key], slot: base.slot), "reading a client").optionalBytes()
            else { throw IdentityStorageError(.notFound, "no client \(clientId) to damage") }
            let damaged = try corruption.damagingClientDocument(document)
            _ = try await client.run(RedisCommand([RedisValue.bytes("SET"), key, damaged], slot: base.slot), "damaging a client")
        case .keyRingElement(let id):
            let base = keys.keyRing
            _ = try await client.run(RedisCommand([RedisValue.bytes("HSET"), base.key("k", String(id)), RedisValue.bytes("x"), []], slot: base.slot),
                                     "damaging a key-ring element")
        case .grant(let key):
            let base = keys.grantBase(key)
            _ = try await client.run(RedisCommand([RedisValue.bytes("HSET"), base.key("k", key), RedisValue.bytes("v"), StoredDataCorruption.invalidUTF8],
                                                  slot: base.slot), "damaging a grant")
        }
    }
}

extension RedisIdentityStorage: StoredDataCorrupting {
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        try await RedisDataCorruption(storage: self, keys: keys).corrupt(corruption)
    }

    /// A corrupter for stores made under another key prefix (``makeStores(clock:keyPrefix:)``).
    package func dataCorruption(keyPrefix: String) -> any StoredDataCorrupting {
        RedisDataCorruption(storage: self, keys: keyspace(keyPrefix))
    }
}
