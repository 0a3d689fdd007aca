import ArgumentParser
import Foundation
import IdentityStorage

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the store: ops/s and latency percentiles per workload, beside the raw C-library figure.",
        discussion: """
            Workloads: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")). Each runs at every --concurrency \
            given. --raw adds the adapter's raw baseline (the same statement through the C library on plain threads) \
            where one exists. Benchmarks write data (a data set kept between runs): use a database meant for it.
            """)

    @OptionGroup var options: StoreOptions

    @Option(name: .customLong("workload"), parsing: .upToNextOption, help: "Workloads to run (default: all).")
    var workloads: [String] = []

    @Option(help: "Operations per workload and concurrency.")
    var operations: Int = 5000

    @Option(help: ArgumentHelp("Run each measurement for this many seconds instead of a count.", valueName: "seconds"))
    var duration: Double?

    @Option(parsing: .upToNextOption, help: "Concurrent callers; each workload runs once per value.")
    var concurrency: [Int] = [1, 16]

    @Option(help: "Grants in the data set that reads hit (loaded once, batched).")
    var dataset: Int = 10_000

    @Option(help: "Warm-up operations before each measurement.")
    var warmup: Int = 500

    @Option(help: "Expired grants the cleanup workload removes.")
    var cleanupRows: Int = 100_000

    @Option(help: "Rows per cleanup batch (CleanupRunner.Configuration.batchSize) in the cleanup workload.")
    var cleanupBatch: Int = 5000

    @Option(help: ArgumentHelp("The cleanup workload's pace: \(CleanupPace.forms).", valueName: "pace"),
            transform: { text in try CleanupPace(parsing: text) })
    var cleanupPace: CleanupPace = .default

    @Flag(help: "Also measure the raw C-library baseline.")
    var raw = false

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        for name in workloads where Workload(rawValue: name) == nil {
            throw ValidationError("unknown workload '\(name)'; expected one of \(Workload.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard operations > 0, dataset >= 0, warmup >= 0, cleanupRows > 0, cleanupBatch > 0 else {
            throw ValidationError("--operations, --cleanup-rows and --cleanup-batch must be positive; --dataset and --warmup not negative")
        }
        guard !concurrency.isEmpty, concurrency.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--concurrency values must be at least 1") }
        if let duration, !(duration > 0 && duration.isFinite) { throw ValidationError("--duration must be a positive number of seconds") }
    }

    func run() async throws {
        let selected = workloads.isEmpty ? Workload.allCases : workloads.compactMap(Workload.init(rawValue:))
        try await options.withDeployment { deployment in
            // Grants live in the operational data's store: its raw baseline and bulk loader are the ones that apply.
            let runner = BenchRunner(store: deployment.store(for: .operationalData), configurationStore: deployment.store(for: .configuration),
                                     stores: deployment.makeStores(),
                                     settings: .init(operations: operations, duration: duration, warmup: warmup, dataset: dataset))
            let progress: (String) -> Void = { Terminal.progress($0) }
            try await runner.loadDataset(progress: progress)
            let wakeUp = await WakeUpCost.measure()
            if !json {
                Terminal.print("\(deployment) — \(ProcessInfo.processInfo.activeProcessorCount) cores, thread wake-up p50 "
                               + String(format: "%.1f µs (p90 %.1f)", wakeUp.p50Micros, wakeUp.p90Micros) + ", data set \(dataset) grants")
                Terminal.print(BenchTable.header())
            }
            for workload in selected {
                for callers in workload == .cleanup ? [1] : concurrency {
                    let results = try await runner.run(workload, concurrency: callers, raw: raw, cleanupRows: cleanupRows,
                                                       cleanup: .init(batchSize: cleanupBatch, pace: cleanupPace), progress: progress)
                    for result in results {
                        if json {
                            var object = result.jsonObject
                            object["wakeUpP50Micros"] = (wakeUp.p50Micros * 10).rounded() / 10
                            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                            Terminal.print(String(decoding: data, as: UTF8.self))
                        } else {
                            Terminal.print(BenchTable.line(result))
                        }
                    }
                }
            }
        }
    }
}
