import Dispatch
import Histogram
import IdentityStorage

extension BenchRunner {
    /// The three ways the instrumentation workload reads grants.
    enum InstrumentationVariant: String, CaseIterable, Sendable {
        /// The backend's own stores, with no instrumentation at all.
        case uninstrumented
        /// Instrumented with ``StoreObservability``'s defaults: a discarding logger, and the process's bootstrapped
        /// metrics and tracing (no-op in `idstore`, which bootstraps neither).
        case noOp = "no-op"
        /// Instrumented with the observability this run was given (`IdentityStorageTool.run(_:observability:)`):
        /// what a server's own logging, metrics and tracing backends cost.
        case observed
    }

    /// Grant gets of the data set, each caller taking the three variants in turn call by call, so that whatever
    /// drifts (the machine, the server, whether a pool thread is still awake) weighs on all three alike. Each
    /// variant's figures are its own calls' latencies; each instrumented result notes its extra time per call over
    /// the uninstrumented one, in percent, by mean and by median.
    func runInstrumentationCost(concurrency: Int) async throws -> [BenchResult] {
        let variants: [any PersistedGrantStore] = [
            store.backend.makeStores(clock: nil).grants,
            store.backend.makeStores(clock: nil).instrumented(for: store.telemetryTarget, observability: StoreObservability()).grants,
            stores.grants,
        ]
        let calls = settings.operations * variants.count
        let indices = (0..<calls).map(datasetIndex)
        // `measure` hands caller c the indices c, c + concurrency, …: a call's turn is the caller's own call count.
        if settings.warmup > 0, settings.duration == nil {
            _ = try await measure(concurrency: concurrency, operations: settings.warmup * variants.count) { index in
                _ = try await variants[(index / concurrency) % variants.count].grant(forKey: BenchRunner.datasetKey(indices[index % indices.count]))
            }
        }
        let latencies = variants.map { _ in Histogram<UInt64>.Box() }
        _ = try await measure(concurrency: concurrency, operations: calls) { index in
            let which = (index / concurrency) % variants.count
            let key = BenchRunner.datasetKey(indices[index % indices.count])
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = try await variants[which].grant(forKey: key)
            latencies[which].record(DispatchTime.now().uptimeNanoseconds - begin)
        }
        let histograms = latencies.map(\.histogram)
        let means = histograms.map(\.mean)
        let medians = histograms.map { Double($0.valueAtPercentile(50)) }
        return InstrumentationVariant.allCases.enumerated().map { which, variant in
            let histogram = histograms[which]
            // Calls of one variant overlap with `concurrency` callers: their time is the summed latencies over that.
            let seconds = histogram.mean * Double(histogram.totalCount) / 1e9 / Double(concurrency)
            var result = BenchResult(workload: "grant-get \(variant.rawValue)", concurrency: concurrency,
                                     operations: Int(histogram.totalCount), seconds: seconds, histogram: histogram)
            if variant != .uninstrumented {
                result.notes = ["extraTimePercentMean": (means[which] / means[0] - 1) * 100,
                                "extraTimePercentP50": (medians[which] / medians[0] - 1) * 100]
            }
            return result
        }
    }
}
