import IdentityStorage
import InMemoryLogging
import InMemoryTracing
import Logging
import MetricsTestKit
import Tracing

/// swift-log's, swift-metrics' and swift-distributed-tracing's test kits, given to a store through its
/// `StoreObservability`, and everything they captured as text.
struct TelemetryKits: Sendable {
    let logs = InMemoryLogHandler()
    let metrics = TestMetrics()
    let tracer = InMemoryTracer()

    /// Observability that captures everything, the logger at `level`.
    func observability(level: Logger.Level = .trace) -> StoreObservability {
        var handler = logs
        handler.logLevel = level
        return StoreObservability(logger: Logger(label: "identitystorage-tests", factory: { _ in handler }), metricsFactory: metrics,
                                  tracer: tracer)
    }

    /// Every log entry with `message`.
    func entries(_ message: String) -> [InMemoryLogHandler.Entry] {
        logs.entries.filter { $0.message.description == message }
    }

    /// The operation timers of `store` and `operation`, by outcome, with how many calls each recorded.
    func calls(_ store: String, _ operation: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for timer in metrics.timers(label: "identitystorage_operation_duration") {
            let dimensions = Dictionary(timer.dimensions, uniquingKeysWith: { $1 })
            guard dimensions["store"] == store, dimensions["operation"] == operation, let outcome = dimensions["outcome"] else { continue }
            counts[outcome, default: 0] += timer.values.count
        }
        return counts
    }

    /// Every operation call the timers recorded.
    var timedCalls: Int {
        metrics.timers(label: "identitystorage_operation_duration").reduce(0) { $0 + $1.values.count }
    }

    /// Every pool gauge's last value, by label and pool.
    func poolGauges(_ label: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for recorder in metrics.recorders(label: label) {
            let pool = recorder.dimensions.first { $0.0 == "pool" }?.1 ?? "?"
            values[pool] = recorder.lastValue
        }
        return values
    }

    /// Everything the kits captured as text: log messages and metadata, metric labels and dimensions, span names and
    /// attributes, what a leak check searches.
    var capturedText: [String] {
        var texts: [String] = []
        for entry in logs.entries {
            texts.append(entry.message.description)
            texts += flatten(entry.metadata)
        }
        for timer in metrics.timers { texts.append(timer.label); texts += timer.dimensions.flatMap { [$0.0, $0.1] } }
        for counter in metrics.counters { texts.append(counter.label); texts += counter.dimensions.flatMap { [$0.0, $0.1] } }
        for recorder in metrics.recorders { texts.append(recorder.label); texts += recorder.dimensions.flatMap { [$0.0, $0.1] } }
        for span in tracer.finishedSpans {
            texts.append(span.operationName)
            span.attributes.forEach { key, value in texts += [key, Self.text(value)] }
            texts += span.events.map(\.name)
        }
        return texts
    }

    /// The values of metric dimensions and span attributes: identifiers only, never free text.
    var dimensionAndAttributeValues: [String] {
        var values = metrics.timers.flatMap { $0.dimensions.map(\.1) } + metrics.counters.flatMap { $0.dimensions.map(\.1) }
            + metrics.recorders.flatMap { $0.dimensions.map(\.1) }
        for span in tracer.finishedSpans { span.attributes.forEach { _, value in values.append(Self.text(value)) } }
        return values
    }

    /// An attribute's value as text: `postgresql`, `25432`.
    static func text(_ attribute: SpanAttribute) -> String {
        switch attribute {
        case .string(let text): text
        case .int64(let number): String(number)
        case .int32(let number): String(number)
        default: String(describing: attribute)
        }
    }

    private func flatten(_ metadata: Logger.Metadata) -> [String] {
        metadata.flatMap { key, value -> [String] in
            switch value {
            case .string(let text): [key, text]
            case .stringConvertible(let value): [key, value.description]
            case .array(let values): [key] + values.map(\.description)
            case .dictionary(let nested): [key] + flatten(nested)
            }
        }
    }
}
