import Foundation
import IdentityStorage
import Logging

/// Signing keys that manage themselves over a deployment's signing-key store, as Duende IdentityServer's automatic
/// key management does: a key per algorithm, created and published ``SigningKeyPolicy/propagationTime`` before it
/// signs, rotated every ``SigningKeyPolicy/rotationInterval``, published ``SigningKeyPolicy/retentionDuration`` after
/// it stops signing, then deleted; private keys protected by a ``DataProtector``.
///
/// However many instances start or rotate at once, exactly one key per algorithm is created per rotation: a key is
/// only stored through the store's conditional create (`SigningKeyStore.storeKey(_:ifNoKeyCreatedAfter:)`), with the
/// newest creation time the instance read as its condition. Of instances that read the same keys one stores; the
/// others read again and find its key. (Duende guards creation with a lock inside one process and, across
/// processes, tolerates duplicates and signs with the oldest: DuendeSoftware/products#1316.)
///
/// Signing is served from memory (``SigningKeyPolicy/keyCacheDuration``): no store round trip per token.
public final class SigningKeyManager: Sendable {
    let store: any SigningKeyStore
    let dataProtector: DataProtector?
    /// When keys are made, used, announced and dropped.
    public let policy: SigningKeyPolicy
    let clock: any WallClock
    let logger: Logger
    let snapshots = KeySnapshots<SigningKeySnapshot>()

    static let privateKeyPurpose = DataProtectionPurpose("IdentityStorageKeys", "signing key")

    /// A manager over `store`. `dataProtector` protects the private keys; it may be nil only when
    /// `policy.protectKeys` is false (keys stored in the clear, as the user asked).
    public init(store: any SigningKeyStore, dataProtector: DataProtector?, policy: SigningKeyPolicy = SigningKeyPolicy(),
                clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "IdentityStorageKeys.SigningKeyManager")) throws(IdentityStorageError) {
        if policy.protectKeys, dataProtector == nil {
            throw .invalidArgument("signing keys are protected by a data protector: give one, or set SigningKeyPolicy.protectKeys to false to store them in the clear")
        }
        if policy.algorithms.isEmpty { throw .invalidArgument("the signing-key policy names no algorithm") }
        if !(policy.propagationTime >= 0 && policy.retentionDuration >= 0 && policy.rotationInterval > policy.propagationTime) {
            throw .invalidArgument("the signing-key policy needs a rotation interval longer than the propagation time, and no negative duration")
        }
        self.store = store
        self.dataProtector = dataProtector
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    /// The key `algorithm` signs with now (created first if there is none).
    public func currentSigningKey(for algorithm: SigningAlgorithm) async throws -> ManagedSigningKey {
        let snapshot = try await currentSnapshot()
        guard let key = snapshot.current[algorithm] else {
            throw IdentityStorageError.invalidArgument("the signing-key policy keeps no key for \(algorithm) (it keeps \(policy.algorithms.map(\.rawValue).joined(separator: ", ")))")
        }
        return key
    }

    /// Every published key, signing or not: what tokens may be validated against.
    public func validationKeys() async throws -> [ManagedSigningKey] {
        try await currentSnapshot().published
    }

    /// The JWKS document (RFC 7517 section 5) of the published public keys, each with `kid`, `alg` and `use`.
    public func jsonWebKeySet() async throws -> Data {
        try await currentSnapshot().jwks
    }

    /// A JWT of `claims` (its payload's JSON) signed with `algorithm`'s current key.
    public func signJWT(claims: Data, algorithm: SigningAlgorithm) async throws -> String {
        try await currentSigningKey(for: algorithm).signJWT(claims: claims)
    }

    /// The keys read anew from the store (and created or rotated if due).
    public func refresh() async throws {
        _ = try await maintained(force: true)
    }

    /// The snapshot to serve from: memory while it is good (a background read of the store every
    /// ``SigningKeyPolicy/storeCheckInterval``), else one maintenance, shared by the callers arriving meanwhile.
    func currentSnapshot() async throws -> SigningKeySnapshot {
        let now = clock.now
        if let cached = snapshots.current, now < cached.validUntil {
            if snapshots.claimStoreCheck(at: now, every: policy.storeCheckInterval) {
                Task {
                    do { _ = try await maintained(force: true) } catch {
                        logger.warning("reading the signing keys failed; serving the keys in memory", metadata: ["error": "\(error)"])
                    }
                    snapshots.storeCheckEnded()
                }
            }
            return cached
        }
        return try await maintained(force: false)
    }

    /// A snapshot usable now; with `force`, one made by a read of the store begun after this call.
    func maintained(force: Bool) async throws -> SigningKeySnapshot {
        let now = clock.now
        return try await snapshots.snapshot(fresh: force, usable: { now < $0.validUntil }, maintain: { try await self.maintain() })
    }
}

/// The keys as one instance serves them between reads of the store.
struct SigningKeySnapshot: Sendable {
    /// The signing key of each algorithm of the policy.
    let current: [SigningAlgorithm: ManagedSigningKey]
    /// Every key published now.
    let published: [ManagedSigningKey]
    let jwks: Data
    /// When the keys must be looked at again: the cache's end, or the next activation, expiration, retirement or
    /// rotation due.
    let validUntil: Date
}
