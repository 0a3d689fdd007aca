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

    /// Grant gets of the data set, the same keys each way, in rounds that alternate the variants so that drift of
    /// the machine or the server (caches, other load) weighs on all three alike. Each instrumented result notes its
    /// extra time per call over the uninstrumented one, in percent, by mean and by median.
    func runInstrumentationCost(concurrency: Int) async throws -> [BenchResult] {
        let variants: [(InstrumentationVariant, any PersistedGrantStore)] = [
            (.uninstrumented, store.backend.makeStores(clock: nil).grants),
            (.noOp, store.backend.makeStores(clock: nil).instrumented(for: store.telemetryTarget, observability: StoreObservability()).grants),
            (.observed, stores.grants),
        ]
        let rounds = 10
        // `--duration` times the whole comparison: each round of each variant gets its share.
        var timed = self
        timed.settings.duration = settings.duration.map { $0 / Double(rounds * variants.count) }
        let perRound = max(1, settings.operations / rounds)
        let indices = (0..<(perRound * rounds + settings.warmup)).map(datasetIndex)
        var totals = variants.map { _ in (operations: 0, seconds: 0.0, histogram: Histogram<UInt64>(numberOfSignificantValueDigits: .three)) }
        for (_, grants) in variants where settings.warmup > 0 {
            _ = try await timed.measure(concurrency: concurrency, operations: settings.warmup) { index in
                _ = try await grants.grant(forKey: BenchRunner.datasetKey(indices[perRound * rounds + index]))
            }
        }
        for round in 0..<rounds {
            for step in 0..<variants.count {
                let which = (round + step) % variants.count
                let grants = variants[which].1
                let measured = try await timed.measure(concurrency: concurrency, operations: perRound) { index in
                    _ = try await grants.grant(forKey: BenchRunner.datasetKey(indices[round * perRound + index]))
                }
                totals[which].operations += measured.operations
                totals[which].seconds += measured.seconds
                totals[which].histogram.add(measured.histogram)
            }
        }
        let baseline = totals[0]
        let baselineMean = baseline.seconds / Double(baseline.operations)
        let baselineMedian = Double(baseline.histogram.valueAtPercentile(50))
        return zip(variants, totals).map { variant, total in
            var result = BenchResult(workload: "grant-get \(variant.0.rawValue)", concurrency: concurrency, operations: total.operations,
                                     seconds: total.seconds, histogram: total.histogram)
            if variant.0 != .uninstrumented {
                result.notes = [
                    "extraTimePercentMean": (total.seconds / Double(total.operations) / baselineMean - 1) * 100,
                    "extraTimePercentP50": (Double(total.histogram.valueAtPercentile(50)) / baselineMedian - 1) * 100,
                ]
            }
            return result
        }
    }
}
