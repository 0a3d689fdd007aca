import Foundation
import IdentityStorage
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// Where the two instances' configuration lives: every built-in backend, and a `file:` document.
enum CachedBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite, postgres, mariadb, redis
    case redisCluster = "redis-cluster"
    case file

    var testDescription: String { rawValue }

    /// The backends whose configuration another process can write (memory lives in this one).
    static let shared: [CachedBackend] = allCases.filter { $0 != .memory }

    var testBackend: TestBackend? { TestBackend(rawValue: rawValue) }
}

/// Two application instances over one configuration, each with a configuration cache of its own (default bounds:
/// 500 ms maximum staleness): `writer` changes, `reader` must see the change within the promise.
struct CachedInstances: Sendable {
    static let stores = try! SharedTestStores(name: "configuration_cache")
    static let scratch = try! Scratch()

    let writer: IdentityStores
    let reader: IdentityStores
    let readerCache: ConfigurationCache
    /// The URL both opened (nil for memory, whose data lives in one store of this process).
    let url: String?
    private let opened: [OpenedStore]
    private let caches: [ConfigurationCache]

    /// The maximum staleness both caches promise.
    var promise: Duration { readerCache.configuration.maximumStaleness }

    /// Opens both, runs `body` holding the server's gate shared (unless `body` restarts the server itself, which
    /// takes it exclusively), closes both; nil (and nothing run) when the backend's server does not answer.
    static func with<T: Sendable>(_ backend: CachedBackend, url: String? = nil, test: String = #function, restartingTheServer: Bool = false,
                                  _ body: (CachedInstances) async throws -> T) async throws -> T? {
        guard let instances = try await open(backend, url: url, test: test) else { return nil }
        do {
            let result = restartingTheServer ? try await body(instances)
                : try await ServerGate.sharing(store: instances.url ?? "memory:") { try await body(instances) }
            await instances.close()
            return result
        } catch {
            await instances.close()
            throw error
        }
    }

    private static func open(_ backend: CachedBackend, url given: String?, test: String) async throws -> CachedInstances? {
        if backend == .memory {
            guard let store = try await stores.store(.memory, test: test), let source = store.backend as? any ConfigurationChangeSource else {
                return nil
            }
            let writerCache = try ConfigurationCache(source: source), readerCache = try ConfigurationCache(source: source)
            return CachedInstances(writer: store.makeStores().cachingConfiguration(in: writerCache),
                                   reader: store.makeStores().cachingConfiguration(in: readerCache), readerCache: readerCache,
                                   url: nil, opened: [], caches: [writerCache, readerCache])
        }
        let url: String
        if let given {
            url = given
        } else if let server = backend.testBackend {
            guard try await stores.store(server, test: test) != nil else { return nil }
            url = withSmallPool(try await stores.url(server))
        } else {
            url = "file:\(scratch.path(uniqueName("configuration") + ".json"))"
        }
        var options = StoreOpenOptions()
        options.configurationCache = ConfigurationCache.Configuration()
        let writer = try await ServerGate.sharing(store: url) { try await StoreOpener.builtIn.open(url: url, options: options) }
        let reader = try await ServerGate.sharing(store: url) { try await StoreOpener.builtIn.open(url: url, options: options) }
        return CachedInstances(writer: writer.makeStores(), reader: reader.makeStores(), readerCache: reader.configurationCache!,
                               url: url, opened: [writer, reader], caches: [])
    }

    func close() async {
        for cache in caches { await cache.close() }
        for store in opened { await store.close() }
    }

    /// Waits until the reader serves from memory (its channel synchronised), failing as a hang after 300 s. On a machine
    /// loaded enough that a poll's report arrives later than the maximum staleness, the cache rightly reads through, and
    /// it does for a while at the start of a run on two busy cores, when every suite starts at once: reports then came
    /// 5 to 15 s late for a minute, and a 60 s bound failed the file: cases in most runs.
    func readerServesFromMemory(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let stopwatch = Stopwatch()
        while !readerCache.isServingFromMemory {
            guard stopwatch.isWithin(.seconds(300)) else {
                Issue.record("the reader's channel did not synchronise within 300 s", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        if !stopwatch.isWithin(.seconds(1)) { print("CachedInstances: the reader's channel synchronised after \(stopwatch.elapsed)") }
    }

    /// Reads with `read` until `seen` holds, failing if a read that began more than the promise after `since` (when
    /// the write had returned) still does not see it; returns how long the change took to show.
    @discardableResult
    func expectSeen<T: Sendable>(since written: ContinuousClock.Instant, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                                 read: () async throws -> T, seen: (T) -> Bool) async throws -> Duration {
        while true {
            let began = ContinuousClock.now
            if seen(try await read()) { return began - written }
            if began - written > promise {
                Issue.record("\(what): a read that began \(began - written) after the write (promise \(promise)) did not see it",
                             sourceLocation: sourceLocation)
                return began - written
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

extension CachedInstances {
    /// On the writer: disables `client`, removes its secret, one of its redirect URIs and its CORS origin, each seen
    /// by the reader within the promise (`client` as ``cachedClient(_:)`` makes it, enabled, the reader holding it).
    /// Returns how long each change took to show.
    /// After a server restart (`retrying`), a call that meets one of the pools' connections the restart killed is
    /// tried again: saves replace the whole client, so a retry is harmless.
    @discardableResult
    func expectEachChangeSeen(_ client: inout Client, _ context: String, retrying: Bool = false,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Duration] {
        let id = client.clientId, origin = origin(of: client)
        let writer = writer, reader = reader
        var latencies: [Duration] = []
        func save(_ client: Client) async throws {
            try await retryingIf(retrying) { try await writer.clients.saveClient(client) }
        }
        func change(_ what: String, _ edit: (inout Client) -> Void, seen: @escaping (Client?) -> Bool) async throws {
            edit(&client)
            try await save(client)
            latencies.append(try await expectSeen(since: .now, "\(what) (\(context))", sourceLocation: sourceLocation,
                                                  read: { try await retryingIf(retrying) { try await reader.clients.client(withId: id) } }, seen: seen))
        }
        try await change("client disabled", { $0.enabled = false }, seen: { $0?.enabled == false })
        try await change("secret removed", { $0.clientSecrets = [] }, seen: { $0?.clientSecrets.isEmpty == true })
        try await change("redirect URI removed", { $0.redirectUris.remove("https://app.example/other") },
                         seen: { $0?.redirectUris == ["https://app.example/callback"] })
        client.allowedCorsOrigins = []
        try await save(client)
        latencies.append(try await expectSeen(since: .now, "CORS origin removed (\(context))", sourceLocation: sourceLocation,
                                              read: { try await retryingIf(retrying) { try await reader.clients.isOriginAllowed(origin) } },
                                              seen: { !$0 }))
        return latencies
    }
}

/// Runs `call`, trying again for up to 30 s when it fails while `retrying` (a connection a server restart killed).
func retryingIf<T: Sendable>(_ retrying: Bool, _ call: () async throws -> T) async throws -> T {
    let stopwatch = Stopwatch()
    while true {
        do {
            return try await call()
        } catch where retrying && stopwatch.isWithin(.seconds(30)) {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A client with a secret, two redirect URIs and a CORS origin of its own (``origin(of:)``), under a name of its own.
func cachedClient(_ name: String) -> Client {
    var client = Client(clientId: uniqueName(name))
    client.clientSecrets = [Secret(value: "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=")]
    client.redirectUris = ["https://app.example/callback", "https://app.example/other"]
    client.allowedCorsOrigins = [origin(of: client)]
    client.allowedGrantTypes = ["authorization_code"]
    return client
}

/// The client's own CORS origin: no other test's client allows it, so its answer changes only with this client.
func origin(of client: Client) -> String { "https://\(client.clientId.replacingOccurrences(of: "_", with: "-")).example" }

/// `url` with a pool of two connections on the SQL servers: the tests open many instances at once, and every suite
/// shares the servers' connection limits (PostgreSQL: 200).
func withSmallPool(_ url: String) -> String {
    guard url.hasPrefix("postgres") || url.hasPrefix("mariadb") else { return url }
    return url + (url.contains("?") ? "&" : "?") + "pool_size=2"
}
