import CoreMetrics
import IdentityStorage
import Logging
import NIOConcurrencyHelpers
import Synchronization

/// What a pool logs and reports, and under which names: the backend (`postgresql`) and the pool (`primary`,
/// `writer`, `readers`, `cluster` for the one pool of a Redis Cluster). An adapter makes it from the
/// `StoreObservability` of its configuration, so the pool logs and measures where the stores do.
///
/// Metrics (dimensions `backend` and `pool`):
/// - `identitystorage_pool_connections` (gauge): connections open;
/// - `identitystorage_pool_connections_in_use` (gauge): connections running a call;
/// - `identitystorage_pool_callers_waiting` (gauge): calls queued for a connection;
/// - `identitystorage_pool_connections_replaced` (counter): connections closed after a failure or a failed health check;
/// - `identitystorage_pool_acquire_timeouts` (counter): calls that waited longer than the acquire timeout.
public struct PoolTelemetry: Sendable {
    /// Where the pool logs its connections opened, lost and replaced, and its acquire timeouts.
    public var logger: Logger
    /// Where the gauges and counters go; nil when no metrics backend is bootstrapped.
    var metricsFactory: (any MetricsFactory)?
    /// The `backend` dimension and log metadata: the engine, in lower case (`postgresql`).
    public var backend: String
    /// The `pool` dimension and log metadata: which of the backend's pools (`writer`, a server's `host:port`).
    public var pool: String

    /// Telemetry for pool `pool` of backend `backend`, through `observability`.
    public init(_ observability: StoreObservability, backend: String, pool: String) {
        self.logger = observability.logger
        self.metricsFactory = observability.activeMetricsFactory
        self.backend = backend
        self.pool = pool
    }

    /// Logs nowhere and measures nothing: for pools of tests and internal helpers.
    public static let none = PoolTelemetry(StoreObservability(), backend: "none", pool: "none")

    /// Metadata every line of this pool carries.
    var metadata: Logger.Metadata { ["backend": .string(backend), "pool": .string(pool)] }
}

/// The pool's gauges and counters, made once; nil fields when no metrics factory is bootstrapped.
///
/// Several threads write each gauge. Each write reads the current count inside `recording`, so the last value
/// recorded is always the latest count: two threads that change a count at once cannot leave the older figure behind.
final class PoolMeters: Sendable {
    private let open: Gauge?
    private let inUse: Gauge?
    private let waiting: Gauge?
    private let replaced: Counter?
    private let acquireTimeouts: Counter?
    /// The count behind `open`: connections are opened and closed by different threads.
    private let openCount = Atomic<Int>(0)
    private let recording = NIOLock()

    init(_ telemetry: PoolTelemetry) {
        guard let factory = telemetry.metricsFactory else {
            (open, inUse, waiting, replaced, acquireTimeouts) = (nil, nil, nil, nil, nil)
            return
        }
        let dimensions = [("backend", telemetry.backend), ("pool", telemetry.pool)]
        open = Gauge(label: "identitystorage_pool_connections", dimensions: dimensions, factory: factory)
        inUse = Gauge(label: "identitystorage_pool_connections_in_use", dimensions: dimensions, factory: factory)
        waiting = Gauge(label: "identitystorage_pool_callers_waiting", dimensions: dimensions, factory: factory)
        replaced = Counter(label: "identitystorage_pool_connections_replaced", dimensions: dimensions, factory: factory)
        acquireTimeouts = Counter(label: "identitystorage_pool_acquire_timeouts", dimensions: dimensions, factory: factory)
        open?.record(0)
        inUse?.record(0)
        waiting?.record(0)
    }

    func opened() {
        openCount.add(1, ordering: .relaxed)
        record(open) { openCount.load(ordering: .relaxed) }
    }

    func closed(replaced wasReplaced: Bool) {
        openCount.subtract(1, ordering: .relaxed)
        record(open) { openCount.load(ordering: .relaxed) }
        if wasReplaced { replaced?.increment() }
    }

    /// Records the count `current` reads now as the connections in use.
    func inUse(_ current: () -> Int) { record(inUse, current) }
    /// Records the count `current` reads now as the callers waiting.
    func waiting(_ current: () -> Int) { record(waiting, current) }
    func timedOut(_ count: Int) { acquireTimeouts?.increment(by: count) }

    private func record(_ gauge: Gauge?, _ current: () -> Int) {
        guard let gauge else { return }
        recording.withLock { gauge.record(current()) }
    }
}
