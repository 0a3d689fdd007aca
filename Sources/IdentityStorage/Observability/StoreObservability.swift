import Foundation
import Metrics
import Logging
import Tracing

/// Where a store sends its logs, metrics and spans, and what it considers slow.
///
/// Every field has a default that costs nothing: a logger that discards, the process's bootstrapped
/// `MetricsSystem` and `InstrumentationSystem` (no-op until the server bootstraps them). Give it to
/// ``StoreOpenOptions/observability`` when opening by URL, or to a backend's configuration directly.
///
/// ```swift
/// var options = StoreOpenOptions()
/// options.observability.logger = Logger(label: "idp.storage")
/// let deployment = try await StoreOpener.builtIn.openDeployment(urls, options: options)
/// ```
///
/// No log line, metric dimension or span attribute ever carries a password, a key, a token or a stored value:
/// only the backend, the store, the operation, error codes, durations, counts and the server's address.
public struct StoreObservability: Sendable {
    /// The background logger: connections opened, lost and replaced, acquire timeouts, migrations, topology
    /// changes, cleanup runs and slow operations. Nothing above `debug` on the happy path. Default: discards.
    public var logger: Logger
    /// The metrics factory; nil uses `MetricsSystem.factory` (whatever the process bootstrapped). Default: nil.
    public var metricsFactory: (any MetricsFactory)?
    /// The tracer; nil uses `InstrumentationSystem.tracer` (whatever the process bootstrapped). Default: nil.
    public var tracer: (any Tracer)?
    /// A store operation that takes longer than this is logged as a warning with its name. Nil logs none.
    /// Default: 1 s.
    public var slowOperationThreshold: Duration?

    /// A logger that discards everything: the default of every configuration.
    public static let discardingLogger = Logger(label: "identitystorage", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Observability with the given logger, metrics factory, tracer and slow-operation threshold; the defaults log
    /// nothing and use whatever metrics and tracing the process bootstrapped.
    public init(logger: Logger = StoreObservability.discardingLogger, metricsFactory: (any MetricsFactory)? = nil,
                tracer: (any Tracer)? = nil, slowOperationThreshold: Duration? = .seconds(1)) {
        self.logger = logger
        self.metricsFactory = metricsFactory
        self.tracer = tracer
        self.slowOperationThreshold = slowOperationThreshold
    }

    /// The metrics factory in force: ``metricsFactory`` or the bootstrapped one; nil when it is the no-op one,
    /// so that callers skip the clock reads and dimension building altogether.
    package var activeMetricsFactory: (any MetricsFactory)? {
        let factory = metricsFactory ?? MetricsSystem.factory
        return factory is NOOPMetricsHandler ? nil : factory
    }

    /// The tracer in force: ``tracer`` or the bootstrapped one; nil when it is the no-op one.
    package var activeTracer: (any Tracer)? {
        let tracer = tracer ?? InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : tracer
    }
}

extension IdentityStorageError.Code {
    /// The code as a metric dimension or span attribute: `invalid_argument`, `unavailable`, …
    public var telemetryName: String {
        description.replacingOccurrences(of: " ", with: "_")
    }
}

extension Error {
    /// What a metric's `outcome` dimension and a span's `error.type` attribute say of this error: the
    /// ``IdentityStorageError`` code, `cancelled`, or the error's type name. Never its message.
    package var telemetryOutcome: String {
        if let error = self as? IdentityStorageError { return error.code.telemetryName }
        if self is CancellationError { return "cancelled" }
        return String(reflecting: type(of: self))
    }
}
