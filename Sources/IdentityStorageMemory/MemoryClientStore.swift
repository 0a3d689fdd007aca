import IdentityStorage
import Synchronization

/// Clients in memory, keyed byte-exactly by client id.
public final class MemoryClientStore: ClientStore {
    private struct State {
        var clients: [ExactString: Client] = [:]
        /// Client ids whose stored row is deliberately damaged (test hook).
        var corrupted: Set<ExactString> = []
    }

    private let state = Mutex(State())

    public init() {}

    public func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        return try state.withLock { state throws(IdentityStorageError) in
            let key = ExactString(clientId)
            if state.corrupted.contains(key) {
                throw .corruptedData("client \(clientId) has an enum value this version does not know")
            }
            return state.clients[key]
        }
    }

    public func saveClient(_ client: Client) async throws {
        try client.validate()
        let stored = try client.normalizedForStorage()
        state.withLock {
            $0.clients[ExactString(client.clientId)] = stored
            $0.corrupted.remove(ExactString(client.clientId))
        }
    }

    @discardableResult
    public func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return state.withLock {
            $0.corrupted.remove(ExactString(clientId))
            return $0.clients.removeValue(forKey: ExactString(clientId)) != nil
        }
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

    /// Test hook: marks the client's stored row as holding an unknown enum value.
    @_spi(Testing)
    public func corrupt(clientId: String) {
        _ = state.withLock { $0.corrupted.insert(ExactString(clientId)) }
    }
}
