// swift-crypto does not mark its key types Sendable on Linux; they are immutable values (a key's bytes never change
// after it is made), so sharing them between tasks is safe.
@preconcurrency import Crypto
import Foundation
import Synchronization

/// A key of the ring as an instance holds it: its dates, its material when this process can read it, and the
/// subkeys derived from it so far (one per purpose chain, so HKDF runs once per key and purpose, not per call).
final class LoadedDataProtectionKey: Sendable {
    let key: DataProtectionKey
    let material: SymmetricKey?
    let idBytes: [UInt8]
    /// The ring elements holding its copies (element id and KEK id), for rewrap and deletion.
    let elements: [(id: Int64, keyEncryptionKey: String?)]
    // Guards the subkey cache; derivation happens outside the lock, so two callers may derive the same subkey once each.
    private let subkeys = Mutex<[String: SymmetricKey]>([:])

    init(key: DataProtectionKey, material: SymmetricKey?, elements: [(id: Int64, keyEncryptionKey: String?)]) {
        self.key = key
        self.material = material
        self.elements = elements
        idBytes = key.id.bytes
    }

    /// The subkey for `purpose`; nil when the material cannot be read here.
    func subkey(for purpose: DataProtectionPurpose) -> SymmetricKey? {
        if let cached = subkeys.withLock({ $0[purpose.cacheKey] }) { return cached }
        guard let material else { return nil }
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: material, salt: idBytes, info: purpose.info, outputByteCount: 32)
        subkeys.withLock { $0[purpose.cacheKey] = derived }
        return derived
    }

    /// The same key with `material` carried over (a reload reuses what it already unwrapped).
    var isRevoked: Bool { key.revoked != nil }
}
