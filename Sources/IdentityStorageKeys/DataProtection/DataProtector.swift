import Crypto
import Foundation
import IdentityStorage
import Logging
import Synchronization

/// Protects payloads (cookies, state strings, private signing keys) with keys kept in a deployment's key ring, as
/// ASP.NET Core's data protection does: AES-256-GCM under a subkey per purpose chain, keys that activate, expire and
/// can be revoked, the default key created on first use and replaced before it expires, and keys encrypted at rest
/// under a key-encryption key the user supplies.
///
/// However many instances start or rotate at once, one key is created: a key is only appended to the ring through
/// the store's conditional append (`KeyRingStore.storeElement(xml:friendlyName:ifLatestIdIs:)`), so of instances
/// that read the same ring exactly one appends, and the others read the ring again and find its key.
///
/// `protect` and `unprotect` are served from memory: the ring is read when the cache (``DataProtectionPolicy/keyCacheDuration``)
/// runs out, when the default key changes, when a payload names a key not in memory, and in the background every
/// ``DataProtectionPolicy/storeCheckInterval``.
public final class DataProtector: Sendable {
    let keyRing: any KeyRingStore
    let keyEncryption: (any KeyEncryptionKeyProvider)?
    /// When keys are made, used and dropped.
    public let policy: DataProtectionPolicy
    let clock: any WallClock
    let logger: Logger
    let snapshots = KeySnapshots<KeyRingSnapshot>()
    /// When the ring was last read for a payload naming a key not in memory.
    let lastUnknownKeyReload = Mutex(Date.distantPast)

    /// A data protector over `keyRing`. Without `keyEncryption`, keys are stored in the clear, and a warning says so
    /// once per process (when a key is first stored or used in the clear).
    public init(keyRing: any KeyRingStore, keyEncryption: (any KeyEncryptionKeyProvider)?, policy: DataProtectionPolicy = DataProtectionPolicy(),
                clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "IdentityStorageKeys.DataProtector")) {
        self.keyRing = keyRing
        self.keyEncryption = keyEncryption
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    /// `plaintext` protected for `purpose` with the default key; `expiresAt`, when given, is sealed inside and checked
    /// by ``unprotect(_:purpose:)``.
    public func protect(_ plaintext: some DataProtocol, purpose: DataProtectionPurpose, expiresAt: Date? = nil) async throws -> Data {
        let key = try await defaultKey()
        guard let subkey = key.subkey(for: purpose) else { throw DataProtectionError.keyUnavailable(key.key.id) }
        let header = ProtectedPayload.header(keyId: key.idBytes, purposeTag: purpose.tag, expiresAt: expiresAt?.microsecondsSince1970)
        let sealed = try AES.GCM.seal(plaintext, using: subkey, authenticating: header)
        var payload = Data(capacity: header.count + ProtectedPayload.sealOverhead + plaintext.count)
        payload.append(contentsOf: header)
        payload.append(sealed.combined!) // the default 12-byte nonce: always combinable
        return payload
    }

    /// The plaintext of `payload`, protected for `purpose` by any key of the ring, expired or not.
    /// - Throws: ``DataProtectionError`` for a payload that is truncated, altered, for another purpose, past its
    ///   expiry, or protected by a revoked, unknown or unreadable key; `IdentityStorageError` when the ring cannot be read.
    public func unprotect(_ payload: some DataProtocol, purpose: DataProtectionPurpose) async throws -> Data {
        let payload = payload as? Data ?? Data(payload)
        let header = try ProtectedPayload.parse(payload)
        let key = try await key(withId: header.keyId)
        if key.isRevoked { throw DataProtectionError.revokedKey(header.keyId) }
        guard header.purposeTag == purpose.tag else { throw DataProtectionError.wrongPurpose }
        guard let subkey = key.subkey(for: purpose) else { throw DataProtectionError.keyUnavailable(header.keyId) }
        let start = payload.startIndex + header.length
        guard payload.count - header.length >= ProtectedPayload.sealOverhead else { throw DataProtectionError.truncated }
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(combined: payload[start...])
            plaintext = try AES.GCM.open(box, using: subkey, authenticating: payload[payload.startIndex..<start])
        } catch {
            throw DataProtectionError.tampered
        }
        if let expiresAt = header.expiresAt, expiresAt <= clock.now.microsecondsSince1970 {
            throw DataProtectionError.expired(Date(microsecondsSince1970: expiresAt))
        }
        return plaintext
    }

    /// The ring read anew; the default key created if there is none, or replaced if it expires soon.
    public func refresh() async throws {
        _ = try await maintained(force: true)
    }

    /// The key that protects now (served from memory while it is current, the store read in the background every
    /// ``DataProtectionPolicy/storeCheckInterval``).
    func defaultKey() async throws -> LoadedDataProtectionKey {
        let now = clock.now
        if let cached = snapshots.current, now < cached.validUntil, let defaultKey = cached.defaultKey {
            if snapshots.claimStoreCheck(at: now, every: policy.storeCheckInterval) { checkStoreInBackground() }
            return defaultKey
        }
        // A maintained snapshot always has a default key (maintain() creates one or throws).
        return try await maintained(force: false).defaultKey!
    }

    /// The key `id` from memory, or from the ring read again (at most every ``DataProtectionPolicy/unknownKeyReloadInterval``)
    /// when memory does not have it.
    func key(withId id: UUID) async throws -> LoadedDataProtectionKey {
        let current = snapshots.current
        if let key = current?.keys[id] { return key }
        let now = clock.now
        let reload = lastUnknownKeyReload.withLock { last in
            guard current == nil || now.timeIntervalSince(last) >= policy.unknownKeyReloadInterval || now < last else { return false }
            last = now
            return true
        }
        if reload {
            // Only the ring is needed here, not a default key: an instance that cannot read the default key (or is
            // not allowed to create one) still unprotects with the keys it can read.
            let ring = try await loadRing()
            snapshots.update { snapshot in
                KeyRingSnapshot(keys: ring.keys, defaultKey: snapshot?.defaultKey, validUntil: snapshot?.validUntil ?? .distantPast)
            }
            if let key = ring.keys[id] { return key }
        }
        throw DataProtectionError.unknownKey(id)
    }

    private func checkStoreInBackground() {
        Task {
            do {
                _ = try await maintained(force: true)
            } catch {
                logger.warning("reading the data-protection key ring failed; serving the keys in memory", metadata: ["error": "\(error)"])
            }
            snapshots.storeCheckEnded()
        }
    }

    /// A snapshot with a default key usable now; with `force`, one made by a read of the ring begun after this call.
    /// Callers arriving while a read is under way wait for it instead of reading the store themselves.
    func maintained(force: Bool) async throws -> KeyRingSnapshot {
        let now = clock.now
        return try await snapshots.snapshot(fresh: force, usable: { now < $0.validUntil && $0.defaultKey != nil },
                                            maintain: { try await self.maintain() })
    }
}

/// The one warning a process logs when keys are stored without a key-encryption key (ASP.NET Core logs it too).
enum ClearStorageWarning {
    private static let logged = Atomic<Bool>(false)

    static func logOnce(_ logger: Logger) {
        guard !logged.exchange(true, ordering: .relaxed) else { return }
        logger.warning("no key-encryption key was given: data-protection keys are stored unencrypted in the key ring; give one (a file or environment variable of 32 random bytes, or a KeyEncryptionKeyProvider) to encrypt them at rest")
    }
}
