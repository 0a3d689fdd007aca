#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import IdentityStorage

extension IdentityStoragePersistDriver {
    /// How many times a set without expiry writes again when other writes keep coming between its read and its write.
    static let keepingExpiryAttempts = 32

    /// `set` without an expiry keeps the one the key has. The cache has no "write but keep the expiry" primitive (not
    /// every backend could make it one statement), so this reads the entry's expiry and writes with it through
    /// `getAndSet`, which returns the entry it replaced. When that entry's expiry is not the one written (another write
    /// came between), it writes again with the replaced entry's expiry. The outcome is as if this set ran right after
    /// the write it replaced; the key never holds this value without the expiry it should keep, even if the process
    /// dies between the two calls.
    func setKeepingExpiry<Object: Codable & Sendable>(_ key: String, value: Object) async throws {
        let encoded = try PersistedEntry.encode(value)
        var kept = liveExpiry(of: try await cache.get(key))
        for _ in 0..<Self.keepingExpiryAttempts {
            let entry = PersistedEntry(encodedValue: encoded, expiresAt: kept)
            let replaced = liveExpiry(of: try await cache.getAndSet(key, value: entry.bytes, options: entry.cacheOptions))
            if replaced == kept { return }
            kept = replaced
        }
    }

    /// The expiry instant of a stored entry, nil when it has none or it has passed.
    private func liveExpiry(of bytes: [UInt8]?) -> Date? {
        guard let bytes, let expiresAt = PersistedEntry.header(of: bytes)?.expiresAt, expiresAt > clock.now else { return nil }
        return expiresAt
    }
}
#endif  // Hummingbird
