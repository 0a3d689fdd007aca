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
var handler = InMemoryLogHandler()
handler.logLevel = .trace
let observability = StoreObservability(logger: Logger(label: "idstore-test-kits", factory: { _ in handler }),
                                       metricsFactory: TestMetrics(), tracer: InMemoryTracer())
await IdentityStorageTool.main(drivers: .builtIn, commandName: "idstore-test-kits", observability: observability)
