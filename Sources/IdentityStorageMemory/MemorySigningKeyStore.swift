import Foundation
import IdentityStorage

/// Signing keys in memory, keyed byte-exactly by id.
public final class MemorySigningKeyStore: SigningKeyStore {
    private let keys: MemoryTable<[ExactString: SerializedKey]>

    /// An empty store.
    public init() {
        keys = MemoryTable([:])
    }

    public func loadKeys() async throws -> [SerializedKey] {
        keys.withLock { keys in keys.keys.sorted().map { keys[$0]! } }
    }

    public func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        try keys.withLock { keys throws(IdentityStorageError) in
            guard keys[ExactString(key.id)] == nil else { throw .duplicate("a signing key with id \(key.id) is already stored") }
            keys[ExactString(key.id)] = key.atStoragePrecision
        }
    }

    public func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        try FieldValidation.threshold(threshold, "ifNoKeyCreatedAfter")
        return try keys.withLock { keys throws(IdentityStorageError) in
            if keys.values.contains(where: { $0.created > threshold }) { return false }
            guard keys[ExactString(key.id)] == nil else { throw .duplicate("a signing key with id \(key.id) is already stored") }
            keys[ExactString(key.id)] = key.atStoragePrecision
            return true
        }
    }

    @discardableResult
    public func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return keys.withLock { $0.removeValue(forKey: ExactString(id)) != nil }
    }
}
