import IdentityStorage

/// Clients in memory, keyed byte-exactly by client id. Each client is kept as the JSON document a database
/// would hold and decoded on read (through `DecodedDocuments.clients`, so an unchanged client is decoded once):
/// a damaged document fails the way it does on every other backend.
public final class MemoryClientStore: ClientStore {
    private struct State {
        var documents: [ExactString: String] = [:]
        /// The normalised CORS origins of each client, for ``isOriginAllowed(_:)`` without decoding every client.
        var origins: [ExactString: Set<String>] = [:]
    }

    private let state: MemoryTable<State>

    /// Counts this store's writes for a configuration cache's polling.
    let changes: MemoryConfigurationChanges

    /// An empty store that counts its writes in `changes`, for a configuration cache's polling.
    public init(changes: MemoryConfigurationChanges = MemoryConfigurationChanges()) {
        self.changes = changes
        state = MemoryTable(State())
    }

    public func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        guard let document = state.withLock({ $0.documents[ExactString(clientId)] }) else { return nil }
        return try DecodedDocuments.clients.decode(document, id: clientId, what: "client \(clientId)")
    }

    public func saveClient(_ client: Client) async throws {
        try client.validate()
        defer { changes.record() }
        let stored = try client.normalizedForStorage()
        let document = try StorageJSON.string(stored)
        state.withLock {
            $0.documents[ExactString(client.clientId)] = document
            $0.origins[ExactString(client.clientId)] = stored.allowedCorsOrigins
        }
    }

    @discardableResult
    public func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        defer { changes.record() }
        return state.withLock {
            $0.origins.removeValue(forKey: ExactString(clientId))
            return $0.documents.removeValue(forKey: ExactString(clientId)) != nil
        }
    }

    public func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try FieldValidation.positive(limit, "limit")
        let after = cursor.map(ExactString.init)
        let page = state.withLock { state in
            state.documents.keys.filter { after == nil || after! < $0 }.sorted().prefix(limit + 1).map { ($0.value, state.documents[$0]!) }
        }
        let clients = try page.prefix(limit).map { id, document throws(IdentityStorageError) in
            try DecodedDocuments.clients.decode(document, id: id, what: "client \(id)")
        }
        return ClientPage(clients: clients, nextCursor: page.count > limit ? clients.last?.clientId : nil)
    }

    public func isOriginAllowed(_ origin: String) async throws -> Bool {
        guard let normalized = CorsOrigin.normalizedOrNil(origin) else { return false }
        return state.withLock { state in
            state.origins.values.contains { $0.contains { $0.exactlyEquals(normalized) } }
        }
    }

    /// Package hook for the conformance suite's corrupted-data cases: the client's stored document, and a way
    /// to replace it.
    package func storedDocument(ofClient clientId: String) -> String? {
        state.withLock { $0.documents[ExactString(clientId)] }
    }

    /// See ``storedDocument(ofClient:)``.
    package func overwriteStoredDocument(ofClient clientId: String, with document: String) {
        state.withLock { $0.documents[ExactString(clientId)] = document }
    }
}
