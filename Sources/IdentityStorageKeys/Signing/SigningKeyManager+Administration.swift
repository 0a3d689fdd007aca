import Foundation
import IdentityStorage
import Logging

extension SigningKeyManager {
    /// Creates a key for every algorithm of the policy now. By default each is published now and signs after the
    /// propagation time; `immediately` makes each sign at once (after a compromise: tokens it signs validate only
    /// for relying parties that fetch the JWKS anew). Either way the older keys stay published until their retention ends.
    @discardableResult
    public func rotate(immediately: Bool = false) async throws -> [ManagedSigningKey] {
        var created: [String] = []
        for algorithm in policy.algorithms {
            var stored = false
            for _ in 0..<Self.maximumRounds where !stored {
                if let id = try await createKey(algorithm, after: try await store.loadKeys(), at: clock.now, immediate: immediately) {
                    created.append(id)
                    stored = true
                }
            }
            if !stored { throw IdentityStorageError(.unavailable, "the signing keys kept changing: no \(algorithm) key stored after \(Self.maximumRounds) tries") }
        }
        snapshots.invalidate()
        let snapshot = try await maintained(force: true)
        return snapshot.published.filter { created.contains($0.id) }
    }

    /// Deletes signing key `id` from the store: it stops signing and leaves the JWKS at once here, and on other
    /// instances when they next read the store. If it was an algorithm's only key, a new one signs at once.
    /// - Returns: false when there is no such key.
    @discardableResult
    public func revoke(keyId id: String) async throws -> Bool {
        guard try await store.deleteKey(withId: id) else { return false }
        logger.notice("deleted signing key on request", metadata: ["kid": "\(id)"])
        snapshots.invalidate()
        _ = try await maintained(force: true)
        return true
    }

    /// Every stored key with its status now, no key bytes (the tool's `keys list`). Needs no data protector.
    public func keys() async throws -> [SigningKeyInfo] {
        let now = clock.now
        let stored = try await store.loadKeys()
        var infos: [SigningKeyInfo] = []
        var loaded: [LoadedKey] = []
        for key in stored {
            guard let algorithm = SigningAlgorithm(rawValue: key.algorithm), let envelope = SigningKeyEnvelope.decode(key) else {
                infos.append(SigningKeyInfo(id: key.id, algorithm: key.algorithm, created: key.created, activation: key.created, expiration: key.created,
                                            protected: key.dataProtected, status: .foreign))
                continue
            }
            // A stand-in private key state: for the status only whether a key is in its window matters.
            let managed = ManagedSigningKey(id: key.id, algorithm: algorithm, created: key.created, activation: Date(microsecondsSince1970: envelope.activation),
                                            expiration: Date(microsecondsSince1970: envelope.expiration), publicJWK: envelope.jwk, privateKey: nil)
            loaded.append(LoadedKey(stored: key, envelope: envelope, algorithm: algorithm, managed: managed))
        }
        for key in loaded {
            let signing = loaded.filter { $0.algorithm == key.algorithm && now < $0.expiration && $0.activation <= now }
                .max { ($0.activation, $0.stored.created, $0.stored.id) < ($1.activation, $1.stored.created, $1.stored.id) }
            let status: SigningKeyInfo.Status = if now < key.activation { .pending }
                else if signing?.stored.id == key.stored.id { .signing }
                else if now < key.expiration { .superseded }
                else if now < policy.retirement(of: key.expiration) { .retired }
                else { .expired }
            infos.append(SigningKeyInfo(id: key.stored.id, algorithm: key.algorithm.rawValue, created: key.stored.created, activation: key.activation,
                                        expiration: key.expiration, protected: key.stored.dataProtected, status: status))
        }
        return infos.sorted { ($0.algorithm, $0.created, $0.id) < ($1.algorithm, $1.created, $1.id) }
    }
}
