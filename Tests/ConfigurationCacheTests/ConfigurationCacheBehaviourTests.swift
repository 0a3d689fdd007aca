import Foundation
import IdentityStorage
import IdentityStorageMemory
import Synchronization
import ServerTestSupport
import Testing

/// The cache's own rules over the in-memory store, with a channel the test drives.
@Suite("Configuration cache behaviour")
struct ConfigurationCacheBehaviourTests {
    @Test func hitsAndUnknownIdsAreServedFromMemoryOnceSynchronised() async throws {
        let fixture = try Fixture()
        try await fixture.backend.clients.saveClient(Client(clientId: "web"))
        // Not synchronised yet: every read goes to the backend.
        _ = try await fixture.cached.clients.client(withId: "web")
        _ = try await fixture.cached.clients.client(withId: "web")
        #expect(fixture.reads.value == 2)
        await fixture.synchronize()
        for _ in 0..<3 {
            #expect(try await fixture.cached.clients.client(withId: "web")?.clientId == "web")
            #expect(try await fixture.cached.clients.client(withId: "unknown") == nil)
            #expect(try await fixture.cached.clients.isOriginAllowed("https://nowhere.example") == false)
        }
        #expect(fixture.reads.value == 2 + 3)
    }

    @Test func aWriteThroughTheCacheIsReadBackAtOnce() async throws {
        let fixture = try Fixture()
        await fixture.synchronize()
        try await fixture.cached.clients.saveClient(makeClient("web", enabled: true))
        #expect(try await fixture.cached.clients.client(withId: "web")?.enabled == true)
        try await fixture.cached.clients.saveClient(makeClient("web", enabled: false))
        #expect(try await fixture.cached.clients.client(withId: "web")?.enabled == false)
        try await fixture.cached.clients.deleteClient(withId: "web")
        #expect(try await fixture.cached.clients.client(withId: "web") == nil)
    }

    @Test func aChangeReportedByTheChannelEmptiesTheCache() async throws {
        let fixture = try Fixture()
        await fixture.synchronize()
        try await fixture.backend.clients.saveClient(makeClient("web", enabled: true))
        #expect(try await fixture.cached.clients.client(withId: "web")?.enabled == true)
        // Another instance's write: the backend changes, this cache still holds the old answer until told.
        try await fixture.backend.clients.saveClient(makeClient("web", enabled: false))
        #expect(try await fixture.cached.clients.client(withId: "web")?.enabled == true)
        fixture.channel.yield(.changed)
        await fixture.synchronize()
        #expect(try await fixture.cached.clients.client(withId: "web")?.enabled == false)
    }

    @Test func aLateSynchronisationMakesReadsGoThrough() async throws {
        var configuration = ConfigurationCache.Configuration()
        configuration.maximumStaleness = .milliseconds(50)
        let fixture = try Fixture(configuration)
        let synchronized = await fixture.synchronize()
        if let reads = try await fixture.backendReadsOfTwoClientReads(within: .milliseconds(40), of: synchronized) { #expect(reads == 1) }
        try await Task.sleep(for: .milliseconds(80))
        #expect(!fixture.cache.isServingFromMemory)
        #expect(try await fixture.backendReadsOfTwoClientReads() == 2)
    }

    @Test func entriesAreBoundedLeastRecentlyUsedFirst() async throws {
        var configuration = Fixture.lenient
        configuration.maximumEntries = 10
        let fixture = try Fixture(configuration)
        await fixture.synchronize()
        for index in 0..<30 { _ = try await fixture.cached.clients.client(withId: "c\(index)") }
        #expect(fixture.reads.value == 30)
        _ = try await fixture.cached.clients.client(withId: "c29")   // recent: held
        #expect(fixture.reads.value == 30)
        _ = try await fixture.cached.clients.client(withId: "c0")    // oldest: evicted
        #expect(fixture.reads.value == 31)
    }

    @Test func bytesAreBounded() async throws {
        var configuration = Fixture.lenient
        configuration.maximumBytes = 4_000
        let fixture = try Fixture(configuration)
        await fixture.synchronize()
        for index in 0..<10 {
            try await fixture.backend.clients.saveClient(makeClient("c\(index)", description: String(repeating: "x", count: 1_000)))
        }
        for index in 0..<10 { _ = try await fixture.cached.clients.client(withId: "c\(index)") }
        let before = fixture.reads.value
        for index in 0..<10 { _ = try await fixture.cached.clients.client(withId: "c\(index)") }
        // At most three 1 kB clients fit in 4 kB (90 % after an eviction): most of the second pass reads again.
        #expect(fixture.reads.value - before >= 7)
    }

    @Test func anEntryLivesNoLongerThanItsTimeToLive() async throws {
        var configuration = Fixture.lenient
        configuration.timeToLive = .milliseconds(50)
        let fixture = try Fixture(configuration)
        let synchronized = await fixture.synchronize()
        if let reads = try await fixture.backendReadsOfTwoClientReads(within: .milliseconds(40), of: synchronized) { #expect(reads == 1) }
        try await Task.sleep(for: .milliseconds(80))
        // Expired: read from the backend again.
        #expect(try await fixture.backendReadsOfTwoClientReads().map { $0 >= 1 } == true)
    }

    @Test func anAnswerReadBeforeAWriteIsNotKeptAfterIt() async throws {
        let fixture = try Fixture()
        await fixture.synchronize()
        try await fixture.backend.clients.saveClient(makeClient("web", enabled: true))
        fixture.gate.close()
        let slowRead = Task { try await fixture.cached.clients.client(withId: "web") }
        try await fixture.gate.waitUntilHeld()
        // The read has its (old) answer in hand and waits; the write empties the cache meanwhile.
        try await fixture.cached.clients.saveClient(makeClient("web", enabled: false))
        fixture.gate.open()
        #expect(try await slowRead.value?.enabled == true)
        #expect(try await fixture.cached.clients.client(withId: "web")?.enabled == false)
    }

    @Test func resourcesAndProvidersAreCachedByTheirExactNames() async throws {
        let fixture = try Fixture()
        await fixture.synchronize()
        try await fixture.cached.resources.saveIdentityResource(IdentityResource(name: "caf\u{E9}"))
        #expect(try await fixture.cached.resources.identityResources(withScopeNames: ["caf\u{E9}"]).count == 1)
        #expect(try await fixture.cached.resources.identityResources(withScopeNames: ["cafe\u{301}"]).isEmpty)
        try await fixture.cached.identityProviders.saveIdentityProvider(IdentityProvider(scheme: "oidc", type: "oidc"))
        #expect(try await fixture.cached.identityProviders.allSchemeNames().map(\.scheme) == ["oidc"])
        try await fixture.cached.identityProviders.deleteIdentityProvider(forScheme: "oidc")
        #expect(try await fixture.cached.identityProviders.allSchemeNames().isEmpty)
    }
}

/// A memory store, its clients counted (and held at a gate when the test closes it), read through a cache whose
/// channel the test drives.
private struct Fixture {
    let backend: IdentityStores
    let cached: IdentityStores
    let cache: ConfigurationCache
    let channel: AsyncStream<ConfigurationChangeEvent>.Continuation
    let reads = Counter()
    let gate = Gate()

    /// A cache that stays synchronised for a minute after each synchronisation unless the test says otherwise: on a
    /// loaded machine the reads after `synchronize()` may come long after it.
    static var lenient: ConfigurationCache.Configuration {
        var configuration = ConfigurationCache.Configuration()
        configuration.maximumStaleness = .seconds(60)
        return configuration
    }

    init(_ configuration: ConfigurationCache.Configuration = Fixture.lenient) throws {
        let storage = MemoryIdentityStorage()
        backend = storage.makeStores()
        let (events, channel) = AsyncStream.makeStream(of: ConfigurationChangeEvent.self)
        self.channel = channel
        cache = try ConfigurationCache(source: DrivenSource(events: events), configuration: configuration)
        var counted = backend
        counted.clients = CountingClients(backend: backend.clients, reads: reads, gate: gate)
        cached = counted.cachingConfiguration(in: cache)
    }

    /// Reads client "web" twice through the cache and returns how many reads reached the backend; nil when the two
    /// ended more than `limit` after `synchronized` (a loaded machine, where the synchronisation may be stale before the
    /// first read even starts), when the count says nothing about the cache.
    func backendReadsOfTwoClientReads(within limit: Duration? = nil, of synchronized: ContinuousClock.Instant = .now) async throws -> Int? {
        let before = reads.value
        _ = try await cached.clients.client(withId: "web")
        _ = try await cached.clients.client(withId: "web")
        return limit.map { ContinuousClock.now - synchronized < $0 } ?? true ? reads.value - before : nil
    }

    /// Reports a synchronisation and waits until the cache has taken it (reporting again while it has not: on a
    /// loaded machine one report may be stale by the time the cache applies it).
    /// Returns the instant of the synchronisation the cache took.
    @discardableResult
    func synchronize() async -> ContinuousClock.Instant {
        var instant: ContinuousClock.Instant
        repeat {
            instant = .now
            channel.yield(.synchronized(instant))
            try? await Task.sleep(for: .milliseconds(2))
        } while !cache.isServingFromMemory
        return instant
    }
}

private struct DrivenSource: ConfigurationChangeSource {
    let events: AsyncStream<ConfigurationChangeEvent>
    func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> { events }
}

final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Holds reads that have their answer until opened, and tells when one is held.
private final class Gate: Sendable {
    private let state = Mutex<(closed: Bool, held: Int)>((false, 0))
    func close() { state.withLock { $0.closed = true } }
    func open() { state.withLock { $0.closed = false } }
    func pass() async {
        state.withLock { if $0.closed { $0.held += 1 } }
        while state.withLock({ $0.closed }) { try? await Task.sleep(for: .milliseconds(1)) }
    }
    func waitUntilHeld() async throws {
        while state.withLock({ $0.held == 0 }) { try await Task.sleep(for: .milliseconds(1)) }
    }
}

private struct CountingClients: ClientStore {
    let backend: any ClientStore
    let reads: Counter
    let gate: Gate

    func client(withId clientId: String) async throws -> Client? {
        reads.increment()
        let client = try await backend.client(withId: clientId)
        await gate.pass()
        return client
    }
    func saveClient(_ client: Client) async throws { try await backend.saveClient(client) }
    func deleteClient(withId clientId: String) async throws -> Bool { try await backend.deleteClient(withId: clientId) }
    func listClients(after cursor: String?, limit: Int) async throws -> ClientPage { try await backend.listClients(after: cursor, limit: limit) }
    func isOriginAllowed(_ origin: String) async throws -> Bool {
        reads.increment()
        return try await backend.isOriginAllowed(origin)
    }
}

func makeClient(_ id: String, enabled: Bool = true, description: String? = nil) -> Client {
    var client = Client(clientId: id)
    client.enabled = enabled
    client.description = description
    return client
}
