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
}
