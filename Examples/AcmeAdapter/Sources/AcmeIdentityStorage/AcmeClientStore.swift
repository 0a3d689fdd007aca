import IdentityStorage
import Synchronization

/// Clients written by Acme itself, against the protocol's contract: ids compared byte for byte, pages in byte order of
/// the ids, CORS origins normalised on save and compared exactly.
public final class AcmeClientStore: ClientStore {
    private struct Stored {
        var clients: [ExactString: Client] = [:]
    }

    private let state = Mutex(Stored())

    public init() {}

    public func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        return state.withLock { $0.clients[ExactString(clientId)] }
    }

    public func saveClient(_ client: Client) async throws {
        try client.validate()
        let normalized = try client.normalizedForStorage()
        state.withLock { $0.clients[ExactString(client.clientId)] = normalized }
    }

    @discardableResult
    public func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return state.withLock { $0.clients.removeValue(forKey: ExactString(clientId)) != nil }
    }

    public func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let after = cursor.map(ExactString.init)
        let page = state.withLock { state in
            state.clients.keys.filter { after == nil || after! < $0 }.sorted().prefix(limit + 1).map { state.clients[$0]! }
        }
        let clients = Array(page.prefix(limit))
        return ClientPage(clients: clients, nextCursor: page.count > limit ? clients.last?.clientId : nil)
    }

    public func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        return state.withLock { state in
            state.clients.values.contains { $0.allowedCorsOrigins.contains { $0.exactlyEquals(normalized) } }
        }
    }
}
