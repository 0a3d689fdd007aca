import Foundation
import Histogram
import IdentityStorage

/// Times operations over concurrent callers and records each latency in an HdrHistogram.
struct BenchRunner: Sendable {
    struct Settings: Sendable {
        var operations: Int
        var duration: Double?
        var warmup: Int
        var dataset: Int
    }

    /// The store holding the operational data (grants), whose raw baseline applies.
    let store: OpenedStore
    /// The store holding the configuration, for the configuration cache's workloads.
    let configurationStore: OpenedStore
    let stores: IdentityStores
    let settings: Settings
    /// Distinguishes this run's keys from earlier runs on the same database.
    let runId = String(UInt32.random(in: .min ... .max), radix: 36)

    /// Runs `operation(i)` for i = 0, 1, … over `concurrency` tasks: `settings.operations` times, or for
    /// `settings.duration` seconds. Caller c runs i = c, c + concurrency, c + 2·concurrency, …
    func measure(concurrency: Int, operations: Int? = nil,
                 _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> (operations: Int, seconds: Double, histogram: Histogram<UInt64>) {
        let total = operations ?? settings.operations
        let deadline = settings.duration.map { ContinuousClock.now + .milliseconds(Int64(saturating: ($0 * 1000).rounded())) }
        let started = ContinuousClock.now
        let perCaller = try await withThrowingTaskGroup(of: (Int, Histogram<UInt64>).self) { group in
            for caller in 0..<concurrency {
                group.addTask {
                    var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
                    var index = caller
                    var done = 0
                    while deadline.map({ ContinuousClock.now < $0 }) ?? (index < total) {
                        let begin = DispatchTime.now().uptimeNanoseconds
                        try await operation(index)
                        _ = histogram.record(DispatchTime.now().uptimeNanoseconds - begin)
                        index += concurrency
                        done += 1
                    }
                    return (done, histogram)
                }
            }
            return try await group.reduce(into: [(Int, Histogram<UInt64>)]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        var merged = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for (_, histogram) in perCaller { merged.add(histogram) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (perCaller.reduce(0) { $0 + $1.0 }, seconds, merged)
    }

    /// Runs the adapter's raw C baseline of `operation` over `keys` at `concurrency`, when it has one.
    func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> BenchResult.RawFigures? {
        guard let baseline = store.backend as? any RawGrantBaseline else { return nil }
        let started = ContinuousClock.now
        let latencies = try await baseline.measureRaw(operation, keys: keys, concurrency: concurrency)
        let elapsed = ContinuousClock.now - started
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for latency in latencies { _ = histogram.record(latency) }
        return .init(operations: latencies.count, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                     histogram: histogram)
    }

    // MARK: Data

    static func datasetKey(_ index: Int) -> String { "bench.grant.\(index)" }
    static func subject(_ index: Int) -> String { "bench.subject.\(index % 1000)" }
    static let client = "bench.client"

    static func grant(key: String, index: Int, now: Date, expiresIn: TimeInterval = 86_400) -> PersistedGrant {
        PersistedGrant(key: key, type: PersistedGrantType.refreshToken, subjectId: subject(index), sessionId: "bench.session.\(index % 3000)",
                       clientId: client, description: nil, creationTime: now, expiration: now.addingTimeInterval(expiresIn),
                       data: String(repeating: "d", count: 200))
    }

    /// A spread of dataset indices for the i-th operation (multiplicative hashing, so reads hit the whole data set).
    func datasetIndex(_ operation: Int) -> Int {
        Int((UInt64(operation) &* 2_654_435_761) % UInt64(max(1, settings.dataset)))
    }

    /// Makes sure the data set exists (idempotent: kept between runs on the same database).
    func loadDataset(progress: (String) -> Void) async throws {
        let count = settings.dataset
        guard count > 0 else { return }
        if try await stores.grants.grant(forKey: Self.datasetKey(count - 1)) != nil {
            progress("data set: \(count) grants already present")
            return
        }
        let started = ContinuousClock.now
        let now = Date()
        try await storeMany(count: count, progress: progress) { Self.grant(key: Self.datasetKey($0), index: $0, now: now) }
        progress("data set: loaded \(count) grants in \(Self.seconds(since: started)) s")
    }

    /// Stores `count` grants made by `make`, through the adapter's bulk loader when it has one.
    func storeMany(count: Int, batch: Int = 10_000, progress: (String) -> Void = { _ in },
                   _ make: @escaping @Sendable (Int) -> PersistedGrant) async throws {
        var start = 0
        while start < count {
            let end = min(count, start + batch)
            if let loader = store.backend as? any GrantBulkLoading {
                try await loader.bulkStoreGrants((start..<end).map(make))
            } else {
                let grants = stores.grants
                let first = start
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lane in 0..<16 {
                        group.addTask {
                            for index in stride(from: first + lane, to: end, by: 16) { try await grants.storeGrant(make(index)) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            start = end
            if count > 100_000, start % 100_000 == 0 { progress("  \(start) / \(count)") }
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
