import IdentityStorage

// The configuration stores of a `file:` document. Reads go to the current version of the document (in-memory
// stores, so every rule of the in-memory adapter holds); writes validate as every adapter does, then replace the
// one item in the document under its lock.

extension ConfigurationFile {
    /// Replaces (or adds) the item `id` of `list` with `item`, as the document format writes it.
    func upsert<T: Encodable & Sendable>(_ item: T, id: String, in list: String) async throws {
        try await update { document in
            guard let object = try ConfigurationDocument.jsonObject(item) as? [String: Any] else {
                throw IdentityStorageError.invalidArgument("\(list) item \(id) does not encode as a JSON object")
            }
            document.upsert(object, id: id, in: list)
            return ((), true)
        }
    }

    /// Removes the item `id` of `list`; false (and no write) when there is none.
    func remove(_ id: String, from list: String) async throws -> Bool {
        try await update { document in
            let removed = document.remove(id, from: list)
            return (removed, removed)
        }
    }
}

/// Clients of a `file:` document.
struct FileClientStore: ClientStore {
    let file: ConfigurationFile

    func client(withId clientId: String) async throws -> Client? {
        try FieldValidation.key(clientId, "clientId")
        let snapshot = try await file.current()
        if let damage = snapshot.damagedClients[ExactString(clientId)] { throw damage }
        return try await snapshot.stores.clients.client(withId: clientId)
    }

    func saveClient(_ client: Client) async throws {
        try client.validate()
        try await file.upsert(try client.normalizedForStorage(), id: client.clientId, in: "clients")
    }

    func deleteClient(withId clientId: String) async throws -> Bool {
        try FieldValidation.key(clientId, "clientId")
        return try await file.remove(clientId, from: "clients")
    }

    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage {
        try await file.current().stores.clients.listClients(after: cursor, limit: limit)
    }

    func isOriginAllowed(_ origin: String) async throws -> Bool {
        try await file.current().stores.clients.isOriginAllowed(origin)
    }
}

/// Identity resources, API scopes and API resources of a `file:` document.
struct FileResourceStore: ResourceStore {
    let file: ConfigurationFile

    /// The resource stores of the current document, or the damage of an item that did not decode.
    private func resources() async throws -> any ResourceStore {
        let snapshot = try await file.current()
        if let damage = snapshot.damagedResource { throw damage }
        return snapshot.stores.resources
    }

    func identityResources(withScopeNames scopeNames: [String]) async throws -> [IdentityResource] {
        try await resources().identityResources(withScopeNames: scopeNames)
    }

    func apiScopes(withNames scopeNames: [String]) async throws -> [ApiScope] {
        try await resources().apiScopes(withNames: scopeNames)
    }

    func apiResources(withScopeNames scopeNames: [String]) async throws -> [ApiResource] {
        try await resources().apiResources(withScopeNames: scopeNames)
    }

    func apiResources(withNames names: [String]) async throws -> [ApiResource] {
        try await resources().apiResources(withNames: names)
    }

    func allResources() async throws -> Resources {
        try await resources().allResources()
    }

    func saveIdentityResource(_ resource: IdentityResource) async throws {
        try resource.validate()
        try await file.upsert(resource, id: resource.name, in: "identityResources")
    }

    func saveApiScope(_ scope: ApiScope) async throws {
        try scope.validate()
        try await file.upsert(scope, id: scope.name, in: "apiScopes")
    }

    func saveApiResource(_ resource: ApiResource) async throws {
        try resource.validate()
        try await file.upsert(resource.atStoragePrecision, id: resource.name, in: "apiResources")
    }

    func deleteIdentityResource(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "identity resource name")
        return try await file.remove(name, from: "identityResources")
    }

    func deleteApiScope(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "API scope name")
        return try await file.remove(name, from: "apiScopes")
    }

    func deleteApiResource(named name: String) async throws -> Bool {
        try FieldValidation.key(name, "API resource name")
        return try await file.remove(name, from: "apiResources")
    }
}

/// Identity providers of a `file:` document.
struct FileIdentityProviderStore: IdentityProviderStore {
    let file: ConfigurationFile

    /// The provider store of the current document, or the damage of a provider that did not decode.
    private func providers() async throws -> any IdentityProviderStore {
        let snapshot = try await file.current()
        if let damage = snapshot.damagedProvider { throw damage }
        return snapshot.stores.identityProviders
    }

    func allSchemeNames() async throws -> [IdentityProviderName] {
        try await providers().allSchemeNames()
    }

    func identityProvider(forScheme scheme: String) async throws -> IdentityProvider? {
        try await providers().identityProvider(forScheme: scheme)
    }

    func saveIdentityProvider(_ provider: IdentityProvider) async throws {
        try provider.validate()
        try await file.upsert(provider, id: provider.scheme, in: "identityProviders")
    }

    func deleteIdentityProvider(forScheme scheme: String) async throws -> Bool {
        try FieldValidation.key(scheme, "scheme")
        return try await file.remove(scheme, from: "identityProviders")
    }
}
