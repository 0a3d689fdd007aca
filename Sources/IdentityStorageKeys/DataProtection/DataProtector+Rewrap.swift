import Foundation
import IdentityStorage
import Logging

/// What a rewrap did.
public struct RewrapReport: Sendable, Hashable {
    /// Keys given a copy under the new key-encryption key by this run.
    public var rewrapped = 0
    /// Keys that already had one (an earlier, interrupted run).
    public var alreadyRewrapped = 0
    /// Older copies deleted.
    public var deletedCopies = 0
}

extension DataProtector {
    /// Re-encrypts every key of the ring under `newKeyEncryption`'s current KEK, reading them with this protector's
    /// key-encryption key (nil: keys stored in the clear).
    ///
    /// In two passes, so that no key is unreadable at any moment, whenever the process is killed:
    /// 1. each key without a copy under the new KEK gets one (a new element, the old one kept): until this pass
    ///    ends, every key still has its old copy, readable with the old KEK;
    /// 2. once every key has a durable copy under the new KEK, checked by unwrapping it, the old copies are deleted:
    ///    from then on every key is readable with the new KEK.
    ///
    /// Resumable: a run after an interrupted one skips keys already rewrapped and finishes the deletions.
    public func rewrap(to newKeyEncryption: any KeyEncryptionKeyProvider, progress: @Sendable (String) -> Void = { _ in }) async throws -> RewrapReport {
        var report = RewrapReport()
        let target = newKeyEncryption.currentKeyId
        let ring = try await loadRing()
        for key in ring.keys.values.sorted(by: { $0.key.created < $1.key.created }) {
            if key.elements.contains(where: { $0.keyEncryptionKey == target }) {
                report.alreadyRewrapped += 1
                continue
            }
            guard let material = key.material else {
                throw IdentityStorageError.permissionDenied("data-protection key \(key.key.id.uuidString.lowercased()) cannot be read with the key-encryption key given "
                    + "(it is under \(key.elements.compactMap { $0.keyEncryptionKey }.joined(separator: ", "))): nothing was deleted; give the key it is under")
            }
            let copy = try await storedCopy(id: key.key.id, created: key.key.created.microsecondsSince1970, activation: key.key.activation.microsecondsSince1970,
                                            expiration: key.key.expiration.microsecondsSince1970, material: material.withUnsafeBytes { Array($0) },
                                            under: newKeyEncryption)
            let (xml, friendlyName) = KeyRingElementFormat.encode(.key(copy))
            try await keyRing.storeElement(xml: xml, friendlyName: friendlyName)
            report.rewrapped += 1
            progress("rewrapped \(key.key.id.uuidString.lowercased()) under \(target)")
        }
        // Second pass, on the ring as stored now: a key's old copies go only once its new copy reads back.
        var copies: [UUID: [(element: Int64, key: KeyRingEntry.StoredKey)]] = [:]
        for element in try await keyRing.allElements() {
            if case .key(let key) = try KeyRingElementFormat.decode(element) { copies[key.id, default: []].append((element.id, key)) }
        }
        var doomed: [Int64] = []
        for (id, versions) in copies {
            guard let fresh = versions.first(where: { $0.key.keyEncryptionKey == target }),
                  await unwrap([fresh.key], using: newKeyEncryption) != nil else {
                throw IdentityStorageError(.unavailable, "data-protection key \(id.uuidString.lowercased()) has no readable copy under \(target) "
                    + "after the first pass (a key created meanwhile?): run the rewrap again; nothing was deleted")
            }
            doomed += versions.filter { $0.key.keyEncryptionKey != target }.map { $0.element }
        }
        if !doomed.isEmpty {
            report.deletedCopies = try await keyRing.deleteElements(withIds: doomed)
            progress("deleted \(report.deletedCopies) copies under other key-encryption keys")
        }
        snapshots.invalidate()
        return report
    }
}
