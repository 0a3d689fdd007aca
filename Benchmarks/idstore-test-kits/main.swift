import Foundation
import IdentityStorage
import IdentityStorageOpener
import IdentityStorageTool
import InMemoryLogging
import InMemoryTracing
import Logging
import MetricsTestKit

// `idstore` with swift-log's, swift-metrics' and swift-distributed-tracing's test kits installed: every log line at
// every level, every timer value and every span kept in memory. It exists for `bench --workload instrumentation`,
// whose "observed" variant then measures the stores with real logging, metrics and tracing backends beside the
// uninstrumented and no-op ones, in one run. Not shipped: what the kits keep only grows.
//
// IDSTORE_TEST_KITS=logs,metrics,tracing (the default: all three) picks the kits, to see what each one costs.
let kits = Set((ProcessInfo.processInfo.environment["IDSTORE_TEST_KITS"] ?? "logs,metrics,tracing").split(separator: ",").map(String.init))
var observability = StoreObservability()
if kits.contains("logs") {
    var handler = InMemoryLogHandler()
    handler.logLevel = .trace
    observability.logger = Logger(label: "idstore-test-kits", factory: { _ in handler })
}
if kits.contains("metrics") { observability.metricsFactory = TestMetrics() }
if kits.contains("tracing") { observability.tracer = InMemoryTracer() }
await IdentityStorageTool.main(drivers: .builtIn, commandName: "idstore-test-kits", observability: observability)
