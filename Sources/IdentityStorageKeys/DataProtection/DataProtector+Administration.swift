import Foundation
import IdentityStorage
import Logging

extension DataProtector {
    /// Every key of the ring as stored now, oldest first (no key material).
    public func keys() async throws -> [DataProtectionKey] {
        try await loadRing(readingMaterial: false).keys.values.map(\.key).sorted { ($0.created, $0.id.uuidString) < ($1.created, $1.id.uuidString) }
    }

    /// The key that protects new payloads now (created if the ring has none).
    public func currentKey() async throws -> DataProtectionKey {
        try await defaultKey().key
    }

    /// Creates a key now. By default it is announced and becomes the default once it has propagated (the
    /// propagation window); `immediately` makes it activated at once, for use as soon as instances read the ring
    /// (ASP.NET Core keeps an older propagated key as the default while a new one propagates: revoke the old one to
    /// stop it protecting at once).
    @discardableResult
    public func createKey(immediately: Bool = false) async throws -> DataProtectionKey {
        let now = clock.now
        let activation = immediately ? now : now.addingTimeInterval(policy.propagationWindow)
        let entry = try await newKey(created: now, activation: activation, expiration: now.addingTimeInterval(policy.keyLifetime))
        let (xml, friendlyName) = KeyRingElementFormat.encode(.key(entry))
        try await keyRing.storeElement(xml: xml, friendlyName: friendlyName)
        logger.notice("created data-protection key on request", metadata: ["key": "\(entry.id.uuidString.lowercased())"])
        _ = try await maintained(force: true)
        return try await keys().first { $0.id == entry.id }!
    }

    /// Revokes key `id`: payloads it protected no longer unprotect, and it is never the default again (a new key is
    /// created at once if it was). Other instances see it when they next read the ring.
    /// - Returns: false when the ring has no key `id`.
    @discardableResult
    public func revoke(keyId id: UUID, reason: String? = nil) async throws -> Bool {
        guard try await loadRing(readingMaterial: false).keys[id] != nil else { return false }
        try await appendRevocation(.init(key: id, revoked: clock.now.microsecondsSince1970, reason: reason))
        return true
    }

    /// Revokes every key created at or before `date` (ASP.NET Core `RevokeAllKeys`).
    public func revokeAllKeys(createdAtOrBefore date: Date, reason: String? = nil) async throws {
        try await appendRevocation(.init(key: nil, revoked: date.microsecondsSince1970, reason: reason))
    }

    private func appendRevocation(_ revocation: KeyRingEntry.StoredRevocation) async throws {
        let (xml, friendlyName) = KeyRingElementFormat.encode(.revocation(revocation))
        try await keyRing.storeElement(xml: xml, friendlyName: friendlyName)
        logger.notice("revoked data-protection key", metadata: ["key": "\(revocation.key?.uuidString.lowercased() ?? "all")"])
        snapshots.invalidate()
        _ = try await maintained(force: true)
    }
}
