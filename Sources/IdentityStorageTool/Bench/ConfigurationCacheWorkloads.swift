import Foundation
import Histogram
import IdentityStorage

extension BenchRunner {
    static let corsOrigin = "https://app7.example.com"

    /// The configuration cache's workloads: client find and CORS check through a cache of their own (warm, so hits),
    /// and the time a save on this instance takes to reach another instance's cache.
    func runThroughConfigurationCache(_ workload: Workload, concurrency: Int) async throws -> BenchResult {
        guard let source = configurationStore.backend as? any ConfigurationChangeSource else {
            throw IdentityStorageError(.unsupported, "\(configurationStore.url) (\(configurationStore.driver.name)) has no configuration change channel")
        }
        let cache = try ConfigurationCache(source: source)
        defer { Task { await cache.close() } }
        let cached = configurationStore.makeStores().cachingConfiguration(in: cache)
        try await stores.clients.saveClient(Self.bigClient)
        while !cache.isServingFromMemory { try await Task.sleep(for: .milliseconds(1)) }
        let measured: (operations: Int, seconds: Double, histogram: Histogram<UInt64>)
        switch workload {
        case .configurationPropagation:
            measured = try await measurePropagation(to: cached, cache: cache)
        case .corsCheckCached:
            measured = try await measureWarm(concurrency: concurrency) { _ in _ = try await cached.clients.isOriginAllowed(Self.corsOrigin) }
        default:
            measured = try await measureWarm(concurrency: concurrency) { _ in _ = try await cached.clients.client(withId: Self.bigClient.clientId) }
        }
        return BenchResult(workload: workload.rawValue, concurrency: workload == .configurationPropagation ? 1 : concurrency,
                           operations: measured.operations, seconds: measured.seconds, histogram: measured.histogram)
    }

    private func measureWarm(concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws
        -> (operations: Int, seconds: Double, histogram: Histogram<UInt64>) {
        if settings.warmup > 0, settings.duration == nil {
            _ = try await measure(concurrency: concurrency, operations: settings.warmup, operation)
        }
        return try await measure(concurrency: concurrency, operation)
    }

    /// Saves a new version of the benchmark client through this run's stores, then reads it through `other` (every
    /// 100 µs) until it shows: the latency is from the save's return to the first read that sees it. At most 200
    /// saves (the polling backends take up to a polling interval each).
    private func measurePropagation(to other: IdentityStores, cache: ConfigurationCache) async throws
        -> (operations: Int, seconds: Double, histogram: Histogram<UInt64>) {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        let rounds = min(settings.operations, 200)
        let started = ContinuousClock.now
        var client = Self.bigClient
        for round in 0..<rounds {
            client.clientName = "\(runId).\(round)"
            // The other instance holds the current version in memory before the save.
            _ = try await other.clients.client(withId: client.clientId)
            while !cache.isServingFromMemory { try await Task.sleep(for: .milliseconds(1)) }
            try await stores.clients.saveClient(client)
            let saved = DispatchTime.now().uptimeNanoseconds
            while try await other.clients.client(withId: client.clientId)?.clientName != client.clientName {
                try await Task.sleep(for: .microseconds(100))
            }
            _ = histogram.record(DispatchTime.now().uptimeNanoseconds - saved)
        }
        let elapsed = ContinuousClock.now - started
        return (rounds, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, histogram)
    }
}
