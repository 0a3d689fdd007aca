/// A ``ClientStore`` whose reads a ``ConfigurationCache`` answers: clients by id (unknown ids too) and CORS
/// origins (as the caller spelt them, so a hit needs no normalising). Listing reads the backend.
struct CachingClientStore: ClientStore {
    let backend: any ClientStore
    let cache: ConfigurationCache

    func client(withId clientId: String) async throws -> Client? {
        try await cache.value(.client(ExactString(clientId))) { try await backend.client(withId: clientId) }
    }

    func saveClient(_ client: Client) async throws {
        try await cache.write { try await backend.saveClient(client) }
    }

    @discardableResult
    func deleteClient(withId clientId: String) async throws -> Bool {
        try await cache.write { try await backend.deleteClient(withId: clientId) }
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try await backend.listClients(after: cursor, limit: limit)
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool {
        try await cache.value(.origin(ExactString(origin))) { try await backend.isOriginAllowed(origin) }
    }
}
