import Dispatch
import Metrics
import Logging
import Synchronization
import Tracing

/// What a backend is called and where it runs, for telemetry: OpenTelemetry's `db.system.name`,
/// `server.address` and `server.port`.
public struct StoreTelemetryTarget: Sendable, Hashable {
    /// The backend's system name: `postgresql`, `mariadb`, `redis`, `sqlite`, `memory`, `file`.
    public var system: String
    /// The host the backend's server runs on, when it has one.
    public var serverAddress: String?
    /// The server's port, when the URL gives one.
    public var serverPort: Int?

    /// The backend `system` (OpenTelemetry's `db.system.name`), with its server's address and port when it has a
    /// server.
    public init(system: String, serverAddress: String? = nil, serverPort: Int? = nil) {
        self.system = system
        self.serverAddress = serverAddress
        self.serverPort = serverPort
    }
}

/// Measures the operations of one store: a timer per operation and outcome, a span per call, a debug line per
/// failure and a warning per slow call. Built once per store by ``IdentityStores/instrumented(for:observability:)``.
final class StoreInstrument: Sendable {
    /// The operation timer's label; its dimensions are `backend`, `store`, `operation` and `outcome`.
    static let durationLabel = "identitystorage_operation_duration"

    let store: String
    let target: StoreTelemetryTarget
    let logger: Logger
    let tracer: (any Tracer)?
    let metrics: (any MetricsFactory)?
    /// The slow-call threshold in nanoseconds, compared with a plain clock's readings.
    let slowNanoseconds: UInt64?
    /// The attributes every span of this store carries, all but the operation's name.
    private let spanAttributes: SpanAttributes
    /// One timer per `operation` and `outcome`, made on first use: making one asks the factory, which locks.
    private let timers = Mutex<[TimerKey: CoreMetrics.Timer]>([:])

    private struct TimerKey: Hashable {
        let operation: String
        let outcome: String
    }

    init(store: String, target: StoreTelemetryTarget, observability: StoreObservability) {
        self.store = store
        self.target = target
        self.logger = observability.logger
        self.tracer = observability.activeTracer
        self.metrics = observability.activeMetricsFactory
        self.slowNanoseconds = observability.slowOperationThreshold.map { UInt64(clamping: $0.nanoseconds) }
        var attributes = SpanAttributes()
        attributes["db.system.name"] = target.system
        attributes["db.collection.name"] = store
        if let address = target.serverAddress { attributes["server.address"] = address }
        if let port = target.serverPort { attributes["server.port"] = Int64(port) }
        self.spanAttributes = attributes
    }

    /// Runs `body` as the store operation `operation`, measuring it.
    @inline(__always)
    func measure<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        // The default (no tracer, no metrics): two reads of a plain clock for the slow-call warning, nothing else
        // per call. Embedded backends answer in a few microseconds, so this path counts its nanoseconds.
        guard tracer != nil || metrics != nil else {
            guard let slowNanoseconds else { return try await body() }
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                let result = try await body()
                let elapsed = DispatchTime.now().uptimeNanoseconds &- started
                if elapsed > slowNanoseconds { warnSlow(operation, elapsed, outcome: nil) }
                return result
            } catch {
                finish(operation, started: started, span: nil, error: error)
                throw error
            }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let span = tracer.map { startSpan(on: $0, operation) }
        do {
            let result = try await body()
            finish(operation, started: started, span: span, error: nil)
            return result
        } catch {
            finish(operation, started: started, span: span, error: error)
            throw error
        }
    }

    private func startSpan(on tracer: any Tracer, _ operation: String) -> any Span {
        let span = tracer.startSpan("\(operation) \(store)", context: ServiceContext.current ?? .topLevel, ofKind: .client)
        // One assignment: a tracer may lock for each attribute set.
        var attributes = spanAttributes
        attributes["db.operation.name"] = operation
        span.attributes = attributes
        return span
    }

    private func finish(_ operation: String, started: UInt64, span: (any Span)?, error: (any Error)?) {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- started
        let outcome = error?.telemetryOutcome
        if let span {
            if let outcome {
                // The type only: messages may quote what the caller passed.
                span.attributes["error.type"] = outcome
                span.setStatus(SpanStatus(code: .error))
            }
            span.end()
        }
        if let outcome {
            logger.debug("store operation failed", metadata: metadata(operation, ["outcome": .string(outcome)]))
        }
        if let metrics {
            timer(operation, outcome ?? "ok", metrics).recordNanoseconds(Int64(clamping: elapsed))
        }
        if let slowNanoseconds, elapsed > slowNanoseconds { warnSlow(operation, elapsed, outcome: outcome) }
    }

    private func warnSlow(_ operation: String, _ elapsed: UInt64, outcome: String?) {
        logger.warning("slow store operation", metadata: metadata(operation, [
            "outcome": .string(outcome ?? "ok"), "duration": .stringConvertible(Duration.nanoseconds(Int64(clamping: elapsed))),
        ]))
    }

    private func timer(_ operation: String, _ outcome: String, _ factory: any MetricsFactory) -> CoreMetrics.Timer {
        let key = TimerKey(operation: operation, outcome: outcome)
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: Self.durationLabel, dimensions: [
                ("backend", target.system), ("store", store), ("operation", operation), ("outcome", outcome),
            ], factory: factory)
            timers[key] = timer
            return timer
        }
    }

    private func metadata(_ operation: String, _ extra: Logger.Metadata) -> Logger.Metadata {
        extra.merging(["backend": .string(target.system), "store": .string(store), "operation": .string(operation)]) { $1 }
    }
}
