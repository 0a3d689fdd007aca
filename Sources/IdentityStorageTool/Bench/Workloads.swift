import Foundation
import Synchronization
import Histogram
import IdentityStorage

/// The named workloads of `idstore bench`.
enum Workload: String, CaseIterable, Sendable {
    case grantGet = "grant-get"
    case grantStore = "grant-store"
    case grantTake = "grant-take"
    case consumeOnce = "consume-once"
    /// One refresh-token rotation (`PersistedGrantStore.rotateRefreshToken(presented:successor:policy:)`) of a live
    /// token per operation, distinct tokens: the same shape as consume-once, plus the successor written.
    case refreshRotate = "refresh-rotate"
    case grantGetAll = "grant-get-all"
    case replayTryAdd = "replay-try-add"
    case cacheGet = "cache-get"
    case cacheSet = "cache-set"
    case clientFind = "client-find"
    /// Client find through a configuration cache of its own over the configuration store (a hit once warm).
    case clientFindCached = "client-find-cached"
    /// Whether one of the benchmark client's CORS origins is allowed.
    case corsCheck = "cors-check"
    /// The CORS check through a configuration cache of its own.
    case corsCheckCached = "cors-check-cached"
    /// A client saved on this instance until another instance's cache (a cache and change channel of its own) reads it.
    case configurationPropagation = "configuration-propagation"
    case cleanup = "cleanup"
    /// Grant get without instrumentation, with the default (no-op) one and with this run's: what it costs.
    case instrumentation = "instrumentation"
    /// Data protector protect + unprotect of 1 KiB, beside swift-crypto's AES-GCM with a fixed key.
    case protectUnprotect = "protect-unprotect"
    /// A JWT signed with the signing-key manager's current ES256 key, beside swift-crypto's P-256 signing directly.
    case jwtSignES256 = "jwt-sign-es256"
    /// The same with RS256 (RSA 2048), beside swift-crypto's RSA signing directly.
    case jwtSignRS256 = "jwt-sign-rs256"

    /// The raw C-library statement this workload is compared with, if any.
    var rawOperation: RawGrantOperation? {
        switch self {
        case .grantGet: return .get
        case .grantStore: return .upsert
        case .grantTake: return .take
        case .consumeOnce: return .consume
        default: return nil
        }
    }
}

extension BenchRunner {
    /// Measures `workload` at `concurrency` (after a warm-up), with its raw baseline when `raw` is set: one result,
    /// or one per variant of the instrumentation workload.
    func run(_ workload: Workload, concurrency: Int, raw: Bool, cleanupRows: Int, cleanup: CleanupRunner.Configuration,
             progress: (String) -> Void) async throws -> [BenchResult] {
        let stores = self.stores
        let now = Date()
        let tag = "\(runId).\(workload.rawValue).\(concurrency)"
        let operations = settings.operations
        var rawKeys: [String] = []
        let operation: @Sendable (Int) async throws -> Void

        switch workload {
        case .grantGet:
            let indices = (0..<max(operations, settings.warmup)).map(datasetIndex)
            operation = { index in _ = try await stores.grants.grant(forKey: BenchRunner.datasetKey(indices[index % indices.count])) }
            rawKeys = (0..<operations).map { BenchRunner.datasetKey(datasetIndex($0 + 7)) }
        case .grantStore:
            operation = { index in try await stores.grants.storeGrant(BenchRunner.grant(key: "bench.store.\(tag).\(index)", index: index, now: now)) }
            rawKeys = (0..<operations).map { "bench.rawstore.\(tag).\($0)" }
        case .grantTake, .consumeOnce, .refreshRotate:
            let prefix = "bench.\(workload.rawValue).\(tag)"
            let count = operations + settings.warmup
            try await storeMany(count: count) { BenchRunner.grant(key: "\(prefix).\($0)", index: $0, now: now) }
            if workload == .grantTake {
                operation = { index in _ = try await stores.grants.takeGrant(forKey: "\(prefix).\(index)") }
            } else if workload == .refreshRotate {
                let policy = RefreshTokenRotationPolicy(gracePeriod: 10, maxReuseCount: 8)
                operation = { index in
                    let successor = BenchRunner.grant(key: "\(prefix).\(index).next", index: index, now: now)
                    let outcome = try await stores.grants.rotateRefreshToken(presented: "\(prefix).\(index)", successor: successor, policy: policy)
                    guard case .rotated = outcome else {
                        throw IdentityStorageError(.unsupported, "refresh-rotate: a live token was not rotated (\(outcome))")
                    }
                }
            } else {
                operation = { index in _ = try await stores.grants.consumeGrant(forKey: "\(prefix).\(index)") }
            }
            if raw, store.backend is any RawGrantBaseline {
                try await storeMany(count: operations) { BenchRunner.grant(key: "\(prefix).raw.\($0)", index: $0, now: now) }
                rawKeys = (0..<operations).map { "\(prefix).raw.\($0)" }
            }
        case .grantGetAll:
            operation = { index in
                _ = try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: BenchRunner.subject(index), clientId: BenchRunner.client))
            }
        case .replayTryAdd:
            let expiration = now.addingTimeInterval(600)
            operation = { index in _ = try await stores.replayCache.tryAdd(purpose: "bench", handle: "\(tag).\(index)", expiration: expiration) }
        case .cacheGet:
            let value = [UInt8](repeating: 7, count: 100)
            for key in 0..<1000 { try await stores.cache.set("bench.cache.\(key)", value: value, options: .none) }
            operation = { index in _ = try await stores.cache.get("bench.cache.\(index % 1000)") }
        case .cacheSet:
            let value = [UInt8](repeating: 7, count: 100)
            operation = { index in try await stores.cache.set("bench.cache.\(index % 1000)", value: value, options: .relative(300)) }
        case .clientFind:
            try await stores.clients.saveClient(Self.bigClient)
            operation = { _ in _ = try await stores.clients.client(withId: BenchRunner.bigClient.clientId) }
        case .corsCheck:
            try await stores.clients.saveClient(Self.bigClient)
            operation = { _ in _ = try await stores.clients.isOriginAllowed(BenchRunner.corsOrigin) }
        case .clientFindCached, .corsCheckCached, .configurationPropagation:
            return [try await runThroughConfigurationCache(workload, concurrency: concurrency)]
        case .protectUnprotect, .jwtSignES256, .jwtSignRS256:
            return [try await runKeyWorkload(workload, concurrency: concurrency)]
        case .cleanup:
            return [try await runCleanup(rows: cleanupRows, configuration: cleanup, progress: progress)]
        case .instrumentation:
            return try await runInstrumentationCost(concurrency: concurrency)
        }

        if settings.warmup > 0, settings.duration == nil, workload != .grantTake, workload != .consumeOnce, workload != .refreshRotate {
            _ = try await measure(concurrency: concurrency, operations: settings.warmup) { try await operation($0 + 1_000_000_000) }
        }
        let measured: (operations: Int, seconds: Double, histogram: Histogram<UInt64>)
        if workload == .grantTake || workload == .consumeOnce || workload == .refreshRotate {
            // Each grant can be taken, consumed or rotated once: warm up on the extra grants, measure on the rest.
            _ = try await measure(concurrency: concurrency, operations: settings.warmup) { try await operation(operations + $0) }
            measured = try await measure(concurrency: concurrency, operations: operations, operation)
        } else {
            measured = try await measure(concurrency: concurrency, operation)
        }
        var result = BenchResult(workload: workload.rawValue, concurrency: concurrency, operations: measured.operations,
                                 seconds: measured.seconds, histogram: measured.histogram)
        if raw, let rawOperation = workload.rawOperation, !rawKeys.isEmpty {
            result.raw = try await measureRaw(rawOperation, keys: rawKeys, concurrency: concurrency)
        }
        return [result]
    }

    /// Cleanup of `rows` expired grants: rows per second, and grant-get p99 while it runs against idle.
    private func runCleanup(rows: Int, configuration: CleanupRunner.Configuration, progress: (String) -> Void) async throws -> BenchResult {
        let past = Date().addingTimeInterval(-86_400)
        let prefix = "bench.expired.\(runId)"
        let loadStart = ContinuousClock.now
        try await storeMany(count: rows, progress: progress) { BenchRunner.grant(key: "\(prefix).\($0)", index: $0, now: past, expiresIn: 60) }
        progress("cleanup: loaded \(rows) expired grants in \(Self.seconds(since: loadStart)) s")
        let grants = stores.grants
        let probe: @Sendable (Int) async throws -> Void = { index in
            _ = try await grants.grant(forKey: BenchRunner.datasetKey(index % max(1, self.settings.dataset)))
        }
        let idle = try await measure(concurrency: 1, operations: 2000, probe)
        let runner = CleanupRunner(stores: stores, configuration: configuration)
        let started = ContinuousClock.now
        async let report = runner.run()
        // Probe gets while the cleanup runs, until it finishes.
        let busy = Histogram<UInt64>.Box()
        let done = DoneFlag()
        async let probing: Void = {
            var index = 0
            while !done.isSet {
                let begin = DispatchTime.now().uptimeNanoseconds
                try await probe(index)
                busy.record(DispatchTime.now().uptimeNanoseconds - begin)
                index += 1
            }
        }()
        let finished = try await report
        done.set()
        try await probing
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var result = BenchResult(workload: "cleanup", concurrency: 1, operations: finished.expiredGrants, seconds: seconds,
                                 histogram: busy.histogram)
        result.notes = ["rowsPerSecond": Double(finished.expiredGrants) / seconds,
                        "batchSize": Double(configuration.batchSize),
                        "idleGetP99Micros": Double(idle.histogram.valueAtPercentile(99)) / 1000,
                        "getP99DuringCleanupMicros": Double(busy.histogram.valueAtPercentile(99)) / 1000]
        return result
    }

    /// The client of the issue: 50 redirect URIs, 50 CORS origins, 50 scopes, 10 secrets, 10 claims.
    static let bigClient: Client = {
        var client = Client(clientId: "bench.client.big")
        client.clientName = "Benchmark client"
        client.allowedGrantTypes = ["authorization_code", "refresh_token"]
        client.redirectUris = Set((0..<50).map { "https://app\($0).example.com/callback" })
        client.postLogoutRedirectUris = Set((0..<50).map { "https://app\($0).example.com/" })
        client.allowedCorsOrigins = Set((0..<50).map { "https://app\($0).example.com" })
        client.allowedScopes = Set((0..<50).map { "scope.\($0)" })
        client.clientSecrets = Set((0..<10).map { Secret(value: "secret-hash-\($0)", description: "secret \($0)") })
        client.claims = Set((0..<10).map { ClientClaim(type: "claim\($0)", value: "value\($0)") })
        return client
    }()
}

/// A set-once flag shared between the cleanup and its probe.
final class DoneFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

extension Histogram<UInt64> {
    /// A histogram one task records into while another reads it afterwards.
    final class Box: Sendable {
        private let storage = Mutex(Histogram<UInt64>(numberOfSignificantValueDigits: .three))
        func record(_ value: UInt64) { _ = storage.withLock { $0.record(value) } }
        var histogram: Histogram<UInt64> { storage.withLock { $0 } }
    }
}
