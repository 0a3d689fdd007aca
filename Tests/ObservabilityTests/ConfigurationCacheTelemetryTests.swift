import IdentityStorage
import IdentityStorageMemory
import InMemoryLogging
import MetricsTestKit
import ServerTestSupport
import Testing

/// The configuration cache counts its lookups, invalidations and evictions, and logs its channel going down and
/// coming back, through the store's observability.
@Suite("Configuration cache telemetry")
struct ConfigurationCacheTelemetryTests {
    @Test func lookupsAreCountedAndTheChannelsOutagesLogged() async throws {
        let kits = TelemetryKits()
        let (events, channel) = AsyncStream.makeStream(of: ConfigurationChangeEvent.self)
        var configuration = ConfigurationCache.Configuration()
        configuration.maximumStaleness = .milliseconds(300)
        let cache = try ConfigurationCache(source: Channel(events: events), configuration: configuration,
                                           observability: kits.observability())
        let stores = MemoryIdentityStorage().makeStores().cachingConfiguration(in: cache)
        try await synchronize(cache, channel)
        let stopwatch = Stopwatch()
        for _ in 0..<3 { _ = try await stores.clients.client(withId: "web") }
        if stopwatch.isWithin(.milliseconds(250)) {
            #expect(try kits.metrics.expectCounter("identitystorage_configuration_cache_lookups", [("result", "miss")]).totalValue == 1)
            #expect(try kits.metrics.expectCounter("identitystorage_configuration_cache_lookups", [("result", "hit")]).totalValue == 2)
        }
        try await stores.clients.saveClient(Client(clientId: "web"))
        #expect(try kits.metrics.expectCounter("identitystorage_configuration_cache_invalidations").totalValue == 1)

        channel.yield(.interrupted(IdentityStorageError(.unavailable, "the listening connection was lost")))
        try await Task.sleep(for: .milliseconds(350))
        _ = try await stores.clients.client(withId: "web")
        _ = try await stores.clients.client(withId: "web")
        #expect(try kits.metrics.expectCounter("identitystorage_configuration_cache_lookups", [("result", "read_through")]).totalValue >= 2)
        let down = kits.logs.entries.filter { $0.message.description.hasPrefix("configuration cache: the change channel is down") }
        #expect(down.count == 1 && down.first?.level == .warning, "\(kits.logs.entries)")
        channel.yield(.changed)
        try await synchronize(cache, channel)
        #expect(kits.entries("configuration cache: the change channel is synchronised again; serving from memory").count == 1)
        await cache.close()
    }
}

/// Reports synchronisations until the cache has taken one (a report may be stale when a loaded machine applies it).
private func synchronize(_ cache: ConfigurationCache, _ channel: AsyncStream<ConfigurationChangeEvent>.Continuation) async throws {
    repeat {
        channel.yield(.synchronized(.now))
        try await Task.sleep(for: .milliseconds(2))
    } while !cache.isServingFromMemory
}

private struct Channel: ConfigurationChangeSource {
    let events: AsyncStream<ConfigurationChangeEvent>
    func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> { events }
}
