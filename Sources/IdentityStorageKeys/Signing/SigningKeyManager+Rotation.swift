import Foundation
import IdentityStorage
import Logging

extension SigningKeyManager {
    static let maximumRounds = 24

    /// A stored key of this library, with its private key when this instance can read it.
    struct LoadedKey {
        var stored: SerializedKey
        var envelope: SigningKeyEnvelope
        var algorithm: SigningAlgorithm
        var managed: ManagedSigningKey
        var activation: Date { managed.activation }
        var expiration: Date { managed.expiration }
    }

    /// Reads the keys, deletes retired ones, and creates the key each algorithm lacks (through the conditional
    /// create, reading again after every attempt), until every algorithm has a key to sign with and a successor
    /// when its key expires within the propagation time.
    func maintain() async throws -> SigningKeySnapshot {
        for _ in 0..<Self.maximumRounds {
            let now = clock.now
            let (stored, keys) = try await load()
            let live = try await deleteRetired(keys, at: now)
            var created = false
            for algorithm in policy.algorithms {
                let mine = live.filter { $0.algorithm == algorithm }
                guard needsKey(mine, at: now) else { continue }
                let immediate = signingKey(among: mine, at: now) == nil
                _ = try await createKey(algorithm, after: stored, at: now, immediate: immediate)
                created = true
                break // read again: whoever won, the next round sees its key
            }
            if !created { return snapshot(live, at: now) }
        }
        throw IdentityStorageError(.unavailable, "the signing keys kept changing: no settled key set after \(Self.maximumRounds) reads")
    }

    /// Creates and conditionally stores a key of `algorithm`: stored only if no key was created after the newest
    /// one in `stored`. Returns the key's id when this instance's key was stored, nil when another instance's was.
    func createKey(_ algorithm: SigningAlgorithm, after stored: [SerializedKey], at now: Date, immediate: Bool) async throws -> String? {
        let threshold = stored.map(\.created).max() ?? Date(microsecondsSince1970: IdentityStorageLimits.storedInstantMicroseconds.lowerBound)
        // Created strictly after the threshold, whatever this instance's clock says, or the condition would let a
        // second key in.
        let created = max(now, threshold.addingTimeInterval(0.000_001)).roundedToStoragePrecision
        // A key needed now signs from now, even when its creation had to be set a microsecond past another key's
        // created in the same microsecond (a simulated clock, or two algorithms' first keys).
        let activation = immediate ? min(now.roundedToStoragePrecision, created) : created.addingTimeInterval(policy.propagationTime)
        let privateKey = try await SigningPrivateKey.generated(for: algorithm)
        let id = Self.newKeyId()
        var protectedBytes = privateKey.bytes
        if policy.protectKeys, let dataProtector {
            protectedBytes = try await dataProtector.protect(privateKey.bytes, purpose: Self.privateKeyPurpose.appending(id))
        }
        let envelope = SigningKeyEnvelope(activation: activation.microsecondsSince1970,
                                          expiration: created.addingTimeInterval(policy.rotationInterval).microsecondsSince1970,
                                          jwk: try privateKey.publicJWK(), privateKey: protectedBytes.base64EncodedString())
        let key = SerializedKey(id: id, version: 1, created: created, algorithm: algorithm.rawValue, data: envelope.encoded(),
                                dataProtected: policy.protectKeys)
        let won = try await store.storeKey(key, ifNoKeyCreatedAfter: threshold)
        guard won else { return nil }
        logger.info("created signing key", metadata: ["kid": "\(id)", "alg": "\(algorithm)", "activation": "\(activation)"])
        return id
    }

    /// Every stored key, and those of this library parsed, their private keys read (reusing what memory holds).
    func load() async throws -> (stored: [SerializedKey], keys: [LoadedKey]) {
        let stored = try await store.loadKeys()
        let known = Dictionary((snapshots.current?.published ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var keys: [LoadedKey] = []
        for key in stored {
            guard let algorithm = SigningAlgorithm(rawValue: key.algorithm), let envelope = SigningKeyEnvelope.decode(key) else { continue }
            var privateKey = known[key.id]?.privateKey
            if privateKey == nil { privateKey = await readPrivateKey(key, envelope, algorithm) }
            let managed = ManagedSigningKey(id: key.id, algorithm: algorithm, created: key.created,
                                            activation: Date(microsecondsSince1970: envelope.activation),
                                            expiration: Date(microsecondsSince1970: envelope.expiration), publicJWK: envelope.jwk, privateKey: privateKey)
            keys.append(LoadedKey(stored: key, envelope: envelope, algorithm: algorithm, managed: managed))
        }
        return (stored, keys)
    }

    /// The private key of `key`; nil (logged) when it cannot be read here: the key is still published, never used to sign.
    private func readPrivateKey(_ key: SerializedKey, _ envelope: SigningKeyEnvelope, _ algorithm: SigningAlgorithm) async -> SigningPrivateKey? {
        do {
            guard let bytes = Data(base64Encoded: envelope.privateKey) else { throw IdentityStorageError.corruptedData("not base64") }
            if key.dataProtected {
                guard let dataProtector else {
                    throw IdentityStorageError.invalidArgument("the key is protected and this manager has no data protector")
                }
                return try SigningPrivateKey(bytes: try await dataProtector.unprotect(bytes, purpose: Self.privateKeyPurpose.appending(key.id)),
                                             algorithm: algorithm)
            }
            return try SigningPrivateKey(bytes: bytes, algorithm: algorithm)
        } catch {
            logger.error("the private part of a signing key cannot be read; the key is published but never signs", metadata: ["kid": "\(key.id)", "error": "\(error)"])
            return nil
        }
    }

    /// The keys not yet past their retention, the others deleted when the policy says so.
    private func deleteRetired(_ keys: [LoadedKey], at now: Date) async throws -> [LoadedKey] {
        var live: [LoadedKey] = []
        for key in keys {
            if now < policy.retirement(of: key.expiration) {
                live.append(key)
            } else if policy.deleteRetiredKeys, try await store.deleteKey(withId: key.stored.id) {
                logger.info("deleted retired signing key", metadata: ["kid": "\(key.stored.id)"])
            }
        }
        return live
    }

    /// Whether an algorithm with `keys` needs a new one: none can sign now, or the newest expires within the
    /// propagation time (a successor must be published that long before it signs).
    func needsKey(_ keys: [LoadedKey], at now: Date) -> Bool {
        guard signingKey(among: keys, at: now) != nil, let newest = keys.map(\.expiration).max() else { return true }
        return newest.timeIntervalSince(now) <= policy.propagationTime
    }

    /// The key that signs at `now`: the most recently activated key in its signing window; failing that (a rotation
    /// made late), the earliest-activating key not yet expired, as Duende ignores the activation delay then.
    func signingKey(among keys: [LoadedKey], at now: Date) -> LoadedKey? {
        let usable = keys.filter { $0.managed.canSign && now < $0.expiration }
        if let active = usable.filter({ $0.activation <= now }).max(by: { ($0.activation, $0.stored.created, $0.stored.id) < ($1.activation, $1.stored.created, $1.stored.id) }) {
            return active
        }
        return usable.min { ($0.activation, $0.stored.id) < ($1.activation, $1.stored.id) }
    }

    /// What instances serve until the next instant something changes.
    func snapshot(_ live: [LoadedKey], at now: Date) -> SigningKeySnapshot {
        var current: [SigningAlgorithm: ManagedSigningKey] = [:]
        var until = now.addingTimeInterval(policy.keyCacheDuration)
        for algorithm in policy.algorithms {
            let mine = live.filter { $0.algorithm == algorithm }
            current[algorithm] = signingKey(among: mine, at: now)?.managed
            if let newest = mine.map(\.expiration).max() { until = min(until, max(now, newest.addingTimeInterval(-policy.propagationTime))) }
        }
        for key in live {
            for instant in [key.activation, key.expiration, policy.retirement(of: key.expiration)] where instant > now {
                until = min(until, instant)
            }
        }
        let published = live.map(\.managed).sorted { ($0.algorithm.rawValue, $0.activation, $0.id) < ($1.algorithm.rawValue, $1.activation, $1.id) }
        let jwks = try! JSONSerialization.data(withJSONObject: ["keys": published.map(\.publicJWK)], options: [.sortedKeys])
        return SigningKeySnapshot(current: current, published: published, jwks: jwks, validUntil: until)
    }

    /// A new key id: 16 random bytes in hex, as Duende's 128-bit kids.
    static func newKeyId() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
