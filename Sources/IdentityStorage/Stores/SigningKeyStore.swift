import Foundation

/// Automatic signing keys (Duende `ISigningKeyStore`), with a conditional store so that instances
/// starting together agree on one new key instead of each creating its own.
public protocol SigningKeyStore: Sendable {
    /// Every stored key, data byte-exact, in byte order of id.
    func loadKeys() async throws -> [SerializedKey]

    /// Stores a new key. A key with the same id already stored gives
    /// ``IdentityStorageError/Code-swift.struct/duplicate`` and is left unchanged.
    func storeKey(_ key: SerializedKey) async throws

    /// Stores `key` only if no stored key was created after `threshold`: the compare-and-set a key
    /// manager uses ("create a key only if nobody created one since I last looked"). Returns whether it stored.
    /// Exactly one of several concurrent callers with the same threshold wins.
    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool

    /// Deletes the key; false when there was none (never an error).
    @discardableResult func deleteKey(withId id: String) async throws -> Bool
}
