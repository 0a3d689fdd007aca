/// Clients and their CORS origins (upstream `IClientStore` and `ICorsPolicyService`, plus a write side).
public protocol ClientStore: Sendable {
    /// The client with exactly this id (case-sensitive), disabled or not; nil when there is none.
    func client(withId clientId: String) async throws -> Client?

    /// Creates or wholly replaces the client with ``Client/clientId``, child collections included.
    /// Concurrent saves of one id never fail; the last one wins whole.
    /// Each CORS origin is stored normalised (``CorsOrigin/normalize(_:)``); an origin that cannot be normalised is rejected.
    func saveClient(_ client: Client) async throws

    /// Deletes the client and its collections. Returns false when there was none.
    @discardableResult
    func deleteClient(withId clientId: String) async throws -> Bool

    /// Clients in byte order of their ids, `limit` at a time, starting after `cursor` (nil: from the start).
    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage

    /// Whether any client, enabled or not, allows `origin` for CORS. The origin is normalised first,
    /// then compared exactly: `HTTPS://Example.COM:443` matches a stored `https://example.com`.
    func isOriginAllowed(_ origin: String) async throws -> Bool
}
