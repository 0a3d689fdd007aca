import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMemory
import Synchronization

// An adapter as somebody outside this package would write it, with public API only (no @testable, no @_spi, no
// `package` symbols): a driver for `acme:` URLs whose backend keeps its data in memory and damages it on request
// for the suite's corrupted-data cases. Its stores wrap the in-memory ones; a real adapter would talk to its database.

/// Opens `acme:` URLs. Parameter: `message_sliding_expiration` (a time).
struct AcmeDriver: IdentityStorageDriver {
    var name: String { "Acme" }
    var schemes: [String] { ["acme"] }
    var urlForms: [String] { ["acme:"] }

    func open(_ url: StoreURL, options: StoreOpenOptions) async throws -> any IdentityStorageBackend {
        var parameters = StoreURLParameters(url, driver: name)
        let sliding = try parameters.duration("message_sliding_expiration") ?? .seconds(3600)
        try parameters.finish()
        return AcmeBackend(memory: MemoryIdentityStorage(configuration: .init(clock: options.clock, messageSlidingExpiration: sliding)))
    }
}

/// The opened backend: the memory stores behind three wrappers that read the damage registry.
struct AcmeBackend: IdentityStorageBackend, StoredDataCorrupting {
    let memory: MemoryIdentityStorage
    let damage = Damage()

    func makeStores(clock: (any WallClock)?) -> IdentityStores {
        var stores = memory.makeStores(clock: clock)
        stores.clients = AcmeClients(base: stores.clients, damage: damage)
        stores.keyRing = AcmeKeyRing(base: stores.keyRing, damage: damage)
        stores.grants = AcmeGrants(base: stores.grants, damage: damage)
        // Acme predates refresh-token families: its grant store keeps the protocol's defaults (unsupported), and says so.
        stores.capabilities.remove(.refreshTokenFamilies)
        return stores
    }

    func schemaVersion() async throws -> Int? { 7 }

    func close() async {}

    func corrupt(_ corruption: StoredDataCorruption) async throws {
        damage.add(corruption)
    }
}

/// What is damaged: client ids, key-ring element ids, grant keys.
final class Damage: Sendable {
    private let state = Mutex<(clients: Set<String>, elements: Set<Int64>, grants: Set<String>)>(([], [], []))

    func add(_ corruption: StoredDataCorruption) {
        state.withLock { state in
            switch corruption {
            case .clientRefreshTokenUsage(let id), .clientAccessTokenType(let id): state.clients.insert(id)
            case .keyRingElement(let id): state.elements.insert(id)
            case .grant(let key): state.grants.insert(key)
            }
        }
    }

    func check(client id: String) throws {
        if state.withLock({ $0.clients.contains(id) }) { throw IdentityStorageError.corruptedData("client \(id) is damaged") }
    }

    func check(element id: Int64) throws {
        if state.withLock({ $0.elements.contains(id) }) { throw IdentityStorageError.corruptedData("key-ring element \(id) is damaged") }
    }

    func check(grant key: String) throws {
        if state.withLock({ $0.grants.contains(key) }) { throw IdentityStorageError.corruptedData("grant \(key) is damaged") }
    }

    func repair(client id: String) { _ = state.withLock { $0.clients.remove(id) } }
    func repair(elements ids: [Int64]) { state.withLock { $0.elements.subtract(ids) } }
    func repair(grant key: String) { _ = state.withLock { $0.grants.remove(key) } }
}

struct AcmeClients: ClientStore {
    let base: any ClientStore
    let damage: Damage

    func client(withId clientId: String) async throws -> Client? {
        let client = try await base.client(withId: clientId)
        if client != nil { try damage.check(client: clientId) }
        return client
    }

    func saveClient(_ client: Client) async throws {
        try await base.saveClient(client)
        damage.repair(client: client.clientId)
    }

    func deleteClient(withId clientId: String) async throws -> Bool {
        damage.repair(client: clientId)
        return try await base.deleteClient(withId: clientId)
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        let page = try await base.listClients(after: cursor, limit: limit)
        for client in page.clients { try damage.check(client: client.clientId) }
        return page
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool { try await base.isOriginAllowed(origin) }
}

struct AcmeKeyRing: KeyRingStore {
    let base: any KeyRingStore
    let damage: Damage

    func allElements() async throws -> [KeyRingElement] {
        let elements = try await base.allElements()
        for element in elements { try damage.check(element: element.id) }
        return elements
    }

    func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        try await base.storeElement(xml: xml, friendlyName: friendlyName)
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        try await base.storeElement(xml: xml, friendlyName: friendlyName, ifLatestIdIs: expectedLatestId)
    }

    func deleteElements(withIds ids: [Int64]) async throws -> Int {
        damage.repair(elements: ids)
        return try await base.deleteElements(withIds: ids)
    }
}

struct AcmeGrants: PersistedGrantStore {
    let base: any PersistedGrantStore
    let damage: Damage

    func storeGrant(_ grant: PersistedGrant) async throws {
        try await base.storeGrant(grant)
        damage.repair(grant: grant.key)
    }

    func grant(forKey key: String) async throws -> PersistedGrant? {
        try checked(try await base.grant(forKey: key))
    }

    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try await base.grants(matching: filter).map { try checked($0)! }
    }

    func removeGrant(forKey key: String) async throws -> Bool {
        damage.repair(grant: key)
        return try await base.removeGrant(forKey: key)
    }

    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int { try await base.removeGrants(matching: filter) }

    func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        if try await base.grant(forKey: key) != nil { try damage.check(grant: key) }
        return try await base.takeGrant(forKey: key)
    }

    func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        if try await base.grant(forKey: key) != nil { try damage.check(grant: key) }
        return try await base.consumeGrant(forKey: key)
    }

    private func checked(_ grant: PersistedGrant?) throws -> PersistedGrant? {
        if let grant { try damage.check(grant: grant.key) }
        return grant
    }
}
