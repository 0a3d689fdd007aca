/// Persisted grants (upstream `IPersistedGrantStore`) with the atomic primitives upstream lacks.
///
/// Reads never enforce expiry: expired and consumed grants are returned; the caller checks them.
public protocol PersistedGrantStore: Sendable {
    /// Creates or wholly replaces the grant with ``PersistedGrant/key``. Concurrent stores of one key never fail.
    func storeGrant(_ grant: PersistedGrant) async throws

    /// The grant with exactly this key (case-sensitive); nil when none.
    func grant(forKey key: String) async throws -> PersistedGrant?

    /// Every grant matching `filter` (see ``PersistedGrantFilter`` for the rules), in no particular order.
    /// An empty filter throws ``IdentityStorageError/Code-swift.struct/invalidArgument``.
    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant]

    /// Removes the grant; false when there was none (never an error).
    @discardableResult func removeGrant(forKey key: String) async throws -> Bool

    /// Removes every grant matching `filter` and returns how many this call removed.
    /// An empty filter throws ``IdentityStorageError/Code-swift.struct/invalidArgument`` and removes nothing.
    @discardableResult func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int

    /// Get-and-delete in one step, for one-time artefacts (authorization codes): returns the grant to
    /// exactly one of any number of concurrent callers, nil to the others and on a miss.
    func takeGrant(forKey key: String) async throws -> PersistedGrant?

    /// Consume-once, for one-time refresh tokens: sets ``PersistedGrant/consumedTime`` to the store's
    /// clock time only if it was not set, and returns the updated grant to that one caller.
    /// Returns nil on a miss and when the grant was already consumed. The grant stays stored.
    func consumeGrant(forKey key: String) async throws -> PersistedGrant?

    /// Rotates a refresh token, atomically (one SQL statement or transaction, one Lua script, one lock hold), with one of
    /// four outcomes (see ``RefreshTokenRotation``). The family of the presented grant is its ``PersistedGrant/familyId``,
    /// or its own key when it has none (grants stored before families existed are families of one).
    ///
    /// - live and unconsumed: it is consumed (the store's clock time) and remembers `successor`'s key; `successor` is
    ///   stored in the family (its ``PersistedGrant/familyId`` set to the family's id) → ``RefreshTokenRotation/rotated(_:)``;
    /// - consumed less than `policy.gracePeriod` ago and reused fewer than `policy.maxReuseCount` times: `successor` is
    ///   stored in the family too and the reuse counted → ``RefreshTokenRotation/reusedWithinGrace(_:)``;
    /// - consumed earlier, or reused as often as allowed: every grant of the family is removed →
    ///   ``RefreshTokenRotation/reuseDetected(familyId:removedGrants:)``;
    /// - missing, expired (``PersistedGrant/expiration`` not after now), or of another client than `successor` → nothing
    ///   changes → ``RefreshTokenRotation/notFound``.
    ///
    /// Bad arguments (see ``validateRotation(presented:successor:policy:)``) throw ``IdentityStorageError/Code-swift.struct/invalidArgument``.
    /// A store that does not implement families throws ``IdentityStorageError/Code-swift.struct/unsupported`` (the
    /// default) and lacks ``StoreCapabilities/refreshTokenFamilies``.
    func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation

    /// Removes every grant of the family `familyId` (the grants whose ``PersistedGrant/familyId`` it is, and the grant
    /// with that key if it has no family) and returns how many. Atomic with respect to rotations: a rotation of a
    /// member never leaves a successor behind. Missing family: 0.
    @discardableResult func removeFamily(_ familyId: String) async throws -> Int
}

// Requirements added after the first release, with the defaults that keep adapters written before them compiling
// (see AddingAStoreRequirement.md in the documentation catalogue).
extension PersistedGrantStore {
    /// The default for stores written before families existed: throws ``IdentityStorageError/unimplemented(_:in:capability:)``
    /// (code ``IdentityStorageError/Code-swift.struct/unsupported``).
    public func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation {
        throw IdentityStorageError.unimplemented(in: Self.self, capability: .refreshTokenFamilies)
    }

    /// The default for stores written before families existed: throws ``IdentityStorageError/unimplemented(_:in:capability:)``
    /// (code ``IdentityStorageError/Code-swift.struct/unsupported``).
    @discardableResult
    public func removeFamily(_ familyId: String) async throws -> Int {
        throw IdentityStorageError.unimplemented(in: Self.self, capability: .refreshTokenFamilies)
    }
}
