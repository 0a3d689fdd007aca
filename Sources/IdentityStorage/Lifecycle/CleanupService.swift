import Logging
import ServiceLifecycle

/// Runs the ``CleanupRunner`` on an interval, as a swift-service-lifecycle `Service` (upstream's `TokenCleanupHost`).
///
/// The first pass starts after one interval (at once with ``Configuration/startsImmediately``). Each wait is the interval plus or minus a random jitter, so that
/// instances started together do not clean in lockstep. On graceful shutdown the service stops waiting at once, or,
/// during a pass, finishes the batch in flight and returns. A pass that fails is logged (warning) and counted, and the
/// next one runs at the next interval.
public struct CleanupService: Service, CustomStringConvertible {
    /// When and how the service cleans.
    public struct Configuration: Sendable, Hashable {
        /// The time between passes. Default: 1 hour, as upstream's `TokenCleanupInterval`.
        public var interval: Duration = .seconds(3600)
        /// The largest random change to each wait, as a fraction of ``interval`` (0 to 1). Default: 0.1 (±10 %).
        public var jitter: Double = 0.1
        /// What each pass removes and how fast (batch size, consumed grants, pace).
        public var runner: CleanupRunner.Configuration = CleanupRunner.Configuration()
        /// Whether the first pass runs at start rather than after one interval. Default: false.
        public var startsImmediately = false

        /// Settings with the given values; each defaults as its property states.
        public init(interval: Duration = .seconds(3600), jitter: Double = 0.1, runner: CleanupRunner.Configuration = CleanupRunner.Configuration(),
                    startsImmediately: Bool = false) {
            self.interval = interval
            self.jitter = jitter
            self.runner = runner
            self.startsImmediately = startsImmediately
        }
    }

    /// The runner each pass uses.
    public let runner: CleanupRunner
    /// When and how the service cleans.
    public let configuration: Configuration
    private let observer: CleanupRunner.Observer

    /// A service cleaning `stores`. `observer` receives what each batch removed (to send back-channel logouts).
    public init(stores: IdentityStores, configuration: Configuration = Configuration(), clock: any WallClock = SystemWallClock(),
                observability: StoreObservability = StoreObservability(), observer: CleanupRunner.Observer = CleanupRunner.Observer()) {
        self.runner = CleanupRunner(stores: stores, clock: clock, configuration: configuration.runner, observability: observability)
        self.configuration = configuration
        self.observer = observer
    }

    /// A service cleaning `deployment`'s stores, logging and counting where the deployment does.
    public init(deployment: Deployment, configuration: Configuration = Configuration(),
                observer: CleanupRunner.Observer = CleanupRunner.Observer()) {
        self.init(stores: deployment.makeStores(), configuration: configuration,
                  observability: deployment.stores[0].observability, observer: observer)
    }

    public func run() async throws {
        try FieldValidation.positive(configuration.interval, "cleanup interval")
        guard (0...1).contains(configuration.jitter) else {
            throw IdentityStorageError.invalidArgument("cleanup jitter \(configuration.jitter) must be between 0 and 1")
        }
        var first = true
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if !(first && configuration.startsImmediately) {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: nextWait()) }
                } catch {
                    return
                }
            }
            first = false
            do {
                _ = try await runner.run(observer: observer, until: { Task.isShuttingDownGracefully || Task.isCancelled })
            } catch is CancellationError {
                return
            } catch {
                runner.observability.logger.warning("cleanup pass failed; the next one runs at the next interval",
                                                    metadata: ["outcome": .string(error.telemetryOutcome)])
            }
        }
    }

    /// `CleanupService(every: 3600.0 seconds, pace: 20%)`: what service-lifecycle's log lines show.
    public var description: String {
        "CleanupService(every: \(configuration.interval), pace: \(configuration.runner.pace))"
    }

    /// The interval, changed by a random fraction of it up to ``Configuration/jitter``.
    func nextWait() -> Duration {
        configuration.interval * (1 + Double.random(in: -configuration.jitter...configuration.jitter))
    }
}
