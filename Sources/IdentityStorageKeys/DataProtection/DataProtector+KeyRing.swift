import Crypto
import Foundation
import IdentityStorage
import Logging

/// The key ring as one instance holds it between reads of the store.
struct KeyRingSnapshot: Sendable {
    let keys: [UUID: LoadedDataProtectionKey]
    /// Nil only in a snapshot made to unprotect with a key read on demand: protecting resolves one first.
    let defaultKey: LoadedDataProtectionKey?
    /// The instant the default key must be resolved again: the cache's end, the default key's expiration, a key's
    /// activation or end of propagation, or the moment its successor is due.
    let validUntil: Date
}

/// The ring as read from the store: every key of this library's format, and the newest element's id (what the
/// conditional append is conditioned on).
struct LoadedRing: Sendable {
    var keys: [UUID: LoadedDataProtectionKey]
    var latestElementId: Int64?
    var revocations: [KeyRingEntry.StoredRevocation]
    var revocationElements: [(id: Int64, revocation: KeyRingEntry.StoredRevocation)]
}

extension DataProtector {
    /// How many times an instance reads the ring and tries to append before giving up: each lost append means another
    /// instance appended, so a few rounds settle any race.
    static let maximumRounds = 24

    /// Reads the ring and resolves the default key, creating one (through the conditional append) when there is none
    /// or the default expires within the propagation window and has no successor.
    func maintain() async throws -> KeyRingSnapshot {
        var created: UUID?
        for _ in 0..<Self.maximumRounds {
            let now = clock.now
            let ring = try await loadRing()
            // Deleting may remove the newest element the conditional append is conditioned on: read the ring again.
            if let keep = policy.deleteKeysExpiredFor, try await deleteKeys(expiredBefore: now.addingTimeInterval(-keep), in: ring) { continue }
            let resolution = resolveDefault(at: now, in: ring.keys)
            if let unreadable = resolution.unreadable {
                throw IdentityStorageError.permissionDenied("data-protection key \(unreadable.key.id.uuidString.lowercased()) is encrypted under key-encryption key "
                    + "\(unreadable.elements.compactMap { $0.keyEncryptionKey }.joined(separator: ", ")), which this process was not given")
            }
            if let defaultKey = resolution.defaultKey, !needsSuccessor(of: defaultKey, at: now, in: ring.keys) {
                return snapshot(of: ring, defaultKey: defaultKey, at: now)
            }
            if let created, let key = resolution.defaultKey ?? ring.keys[created] {
                // Our own key did not resolve as a key that needs no successor (a clock far behind another instance's):
                // use what there is rather than append key after key.
                return snapshot(of: ring, defaultKey: key, at: now)
            }
            let activation = resolution.defaultKey.map { max($0.key.expiration, now) } ?? now
            let entry = try await newKey(created: now, activation: activation, expiration: now.addingTimeInterval(policy.keyLifetime))
            let (xml, friendlyName) = KeyRingElementFormat.encode(.key(entry))
            if try await keyRing.storeElement(xml: xml, friendlyName: friendlyName, ifLatestIdIs: ring.latestElementId) != nil {
                created = entry.id
                logger.info("created data-protection key", metadata: ["key": "\(entry.id.uuidString.lowercased())",
                                                                       "activation": "\(Date(microsecondsSince1970: entry.activation))"])
            }
        }
        throw IdentityStorageError(.unavailable, "the data-protection key ring kept changing: no default key after \(Self.maximumRounds) reads")
    }

    /// A new key's element: 32 random bytes, wrapped under the current key-encryption key when there is one.
    func newKey(created: Date, activation: Date, expiration: Date) async throws -> KeyRingEntry.StoredKey {
        let id = UUID()
        let material = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return try await storedCopy(id: id, created: created.microsecondsSince1970, activation: activation.microsecondsSince1970,
                                    expiration: expiration.microsecondsSince1970, material: material, under: keyEncryption)
    }

    /// One stored copy of a key's material under `provider`'s current KEK (or in the clear without one).
    func storedCopy(id: UUID, created: Int64, activation: Int64, expiration: Int64, material: [UInt8],
                    under provider: (any KeyEncryptionKeyProvider)?) async throws -> KeyRingEntry.StoredKey {
        let context = id.uuidString.lowercased()
        let (kek, bytes): (String?, Data) = if let provider {
            (provider.currentKeyId, try await provider.wrap(material, context: context))
        } else {
            (nil, Data(material))
        }
        if provider == nil { ClearStorageWarning.logOnce(logger) }
        return KeyRingEntry.StoredKey(id: id, created: created, activation: activation, expiration: expiration,
                                      algorithm: KeyRingElementFormat.algorithm, keyEncryptionKey: kek, material: bytes.base64EncodedString())
    }

    /// Every key and revocation of the ring, each key's material read from a copy this process can unwrap (reusing
    /// what memory already holds). All or nothing: an element of this format that does not decode fails the read.
    func loadRing(using provider: (any KeyEncryptionKeyProvider)? = nil, readingMaterial: Bool = true) async throws -> LoadedRing {
        let provider = provider ?? keyEncryption
        let elements = try await keyRing.allElements()
        var copies: [UUID: [(element: Int64, key: KeyRingEntry.StoredKey)]] = [:]
        var order: [UUID] = []
        var ring = LoadedRing(keys: [:], latestElementId: elements.last?.id, revocations: [], revocationElements: [])
        for element in elements {
            switch try KeyRingElementFormat.decode(element) {
            case .key(let key):
                if copies[key.id] == nil { order.append(key.id) }
                copies[key.id, default: []].append((element.id, key))
            case .revocation(let revocation):
                ring.revocations.append(revocation)
                ring.revocationElements.append((element.id, revocation))
            case nil:
                continue
            }
        }
        let known = snapshots.current?.keys
        for id in order {
            let versions = copies[id]!
            let first = versions[0].key
            let created = Date(microsecondsSince1970: first.created)
            let revocation = ring.revocations.last { $0.key == id || ($0.key == nil && first.created <= $0.revoked) }
            let key = DataProtectionKey(id: id, created: created, activation: Date(microsecondsSince1970: first.activation),
                                        expiration: Date(microsecondsSince1970: first.expiration),
                                        revoked: revocation.map { .init(date: Date(microsecondsSince1970: $0.revoked), reason: $0.reason) },
                                        keyEncryptionKeyIds: versions.map { $0.key.keyEncryptionKey })
            // The material is the same whichever copy it came from: what memory holds is reused, not unwrapped again.
            var material = known?[id]?.material
            if material == nil, readingMaterial { material = await unwrap(versions.map { $0.key }, using: provider) }
            ring.keys[id] = LoadedDataProtectionKey(key: key, material: material, elements: versions.map { ($0.element, $0.key.keyEncryptionKey) })
        }
        return ring
    }

    /// The material of the first copy `provider` can read; nil when none.
    func unwrap(_ copies: [KeyRingEntry.StoredKey], using provider: (any KeyEncryptionKeyProvider)?) async -> SymmetricKey? {
        let ordered = copies.sorted { lhs, _ in lhs.keyEncryptionKey == provider?.currentKeyId }
        for copy in ordered {
            guard let bytes = Data(base64Encoded: copy.material) else { continue }
            if let kek = copy.keyEncryptionKey {
                guard let provider, provider.canUnwrap(keyId: kek) else { continue }
                do {
                    let material = try await provider.unwrap(bytes, keyId: kek, context: copy.id.uuidString.lowercased())
                    if material.count == 32 { return SymmetricKey(data: material) }
                } catch {
                    logger.error("a stored copy of a data-protection key does not unwrap", metadata: ["key": "\(copy.id.uuidString.lowercased())",
                                                                                                   "error": "\(error)"])
                }
            } else if bytes.count == 32 {
                ClearStorageWarning.logOnce(logger)
                return SymmetricKey(data: bytes)
            }
        }
        return nil
    }

    /// ASP.NET Core's default-key resolution: the most recently activated key old enough to have reached every
    /// instance, else the least recently activated key too new for that. Unlike ASP.NET Core, a preferred key that is
    /// revoked or expired gives way to the too-new one rather than to no default, so that an instance that missed a
    /// successor's propagation does not create yet another key. A default this process cannot read is reported, so
    /// that an instance missing the KEK never creates keys of its own.
    func resolveDefault(at now: Date, in keys: [UUID: LoadedDataProtectionKey])
        -> (defaultKey: LoadedDataProtectionKey?, unreadable: LoadedDataProtectionKey?) {
        let cutoff = now.addingTimeInterval(-policy.propagationWindow)
        let activated = keys.values.filter { $0.key.activation <= now.addingTimeInterval(policy.maximumClockSkew) }
        let propagated = activated.filter { $0.key.created <= cutoff }.max { lhs, rhs in
            lhs.key.activation != rhs.key.activation ? lhs.key.activation < rhs.key.activation : lhs.key.id.uuidString > rhs.key.id.uuidString
        }
        let recent = activated.filter { $0.key.created > cutoff }.min { lhs, rhs in
            lhs.key.activation != rhs.key.activation ? lhs.key.activation < rhs.key.activation : lhs.key.id.uuidString < rhs.key.id.uuidString
        }
        for candidate in [propagated, recent].compactMap({ $0 }) where !candidate.isRevoked && now < candidate.key.expiration {
            return candidate.material == nil ? (nil, candidate) : (candidate, nil)
        }
        return (nil, nil)
    }

    /// Whether the default key expires within the refresh period and propagation window with no key valid past it.
    func needsSuccessor(of defaultKey: LoadedDataProtectionKey, at now: Date, in keys: [UUID: LoadedDataProtectionKey]) -> Bool {
        let horizon = now.addingTimeInterval(policy.keyCacheDuration + policy.propagationWindow)
        guard defaultKey.key.expiration < horizon else { return false }
        return !keys.values.contains { !$0.isRevoked && $0.key.expiration >= horizon && $0.key.activation < $0.key.expiration }
    }

    /// The snapshot an instance serves from until the default key could change.
    func snapshot(of ring: LoadedRing, defaultKey: LoadedDataProtectionKey, at now: Date) -> KeyRingSnapshot {
        var until = now.addingTimeInterval(policy.keyCacheDuration)
        var instants = [defaultKey.key.expiration,
                        defaultKey.key.expiration.addingTimeInterval(-(policy.keyCacheDuration + policy.propagationWindow))]
        for key in ring.keys.values {
            instants.append(key.key.activation.addingTimeInterval(-policy.maximumClockSkew))
            instants.append(key.key.created.addingTimeInterval(policy.propagationWindow))
        }
        for instant in instants where instant > now && instant < until { until = instant }
        return KeyRingSnapshot(keys: ring.keys, defaultKey: defaultKey, validUntil: until)
    }

    /// Deletes the elements of keys expired before `cutoff` (never a key still able to be the default), and of
    /// revocations naming only such keys.
    func deleteKeys(expiredBefore cutoff: Date, in ring: LoadedRing) async throws -> Bool {
        let doomed = ring.keys.values.filter { $0.key.expiration < cutoff }
        guard !doomed.isEmpty else { return false }
        let doomedIds = Set(doomed.map(\.key.id))
        var elementIds = doomed.flatMap { $0.elements.map { $0.id } }
        elementIds += ring.revocationElements.filter { $0.revocation.key.map(doomedIds.contains) ?? false }.map { $0.id }
        try await keyRing.deleteElements(withIds: elementIds)
        logger.info("deleted expired data-protection keys", metadata: ["count": "\(doomed.count)"])
        return true
    }
}

