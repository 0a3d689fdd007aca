/// Server-side sessions (upstream `IServerSideSessionStore`).
public protocol ServerSideSessionStore: Sendable {
    /// Stores a new session. An existing key gives ``IdentityStorageError/Code-swift.struct/duplicate``
    /// and leaves the stored session unchanged.
    func createSession(_ session: ServerSideSession) async throws

    /// The session with exactly this key; nil when none. Expired sessions are returned until claimed.
    func session(forKey key: String) async throws -> ServerSideSession?

    /// Replaces the session with the same key, only if it exists (a renewal never resurrects a deleted
    /// session). Returns false when there is none.
    @discardableResult func updateSession(_ session: ServerSideSession) async throws -> Bool

    /// Deletes the session; false when there was none (never an error).
    @discardableResult func deleteSession(forKey key: String) async throws -> Bool

    /// Sessions matching `filter` exactly, in byte order of key. A blank filter throws ``IdentityStorageError/Code-swift.struct/invalidArgument``.
    func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession]

    /// Deletes sessions matching `filter`; returns how many this call deleted.
    @discardableResult func deleteSessions(matching filter: SessionFilter) async throws -> Int

    /// Deletes and returns up to `limit` sessions whose ``ServerSideSession/expires`` is before the store's
    /// clock time, oldest expiry first. Sessions without an expiry are never claimed. Concurrent callers
    /// (on any number of instances) never receive the same session.
    func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession]

    /// A page of sessions under upstream's paging rules (§1.6), ordered by key in byte order.
    func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession>
}
