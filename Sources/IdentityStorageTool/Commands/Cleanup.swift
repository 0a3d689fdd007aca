import ArgumentParser
import Foundation
import IdentityStorage
import ServiceLifecycle
import Synchronization

struct Cleanup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove expired grants, device codes, PARs, CIBA requests, cache entries and sessions (one pass, or --every interval).")

    @OptionGroup var options: StoreOptions

    @Option(help: "Rows per batch.")
    var batchSize: Int = 100

    @Flag(help: "Also remove consumed grants.")
    var removeConsumed = false

    @Option(help: ArgumentHelp("Remove consumed grants only once consumed longer ago than this.", valueName: "seconds"))
    var consumedDelay: Double = 0

    @Option(help: ArgumentHelp("How hard to press on the store: \(CleanupPace.forms).", valueName: "pace"),
            transform: { text in try CleanupPace(parsing: text) })
    var pace: CleanupPace = .default

    @Option(help: ArgumentHelp("Run as a service: a pass now and then every interval (±10 %), until SIGINT or SIGTERM ends it after the batch in flight.",
                               valueName: "duration"),
            transform: { text in
                guard let interval = StoreURLParameters.duration(text) else {
                    throw ValidationError("--every '\(text)' is not a positive time: seconds (10, 0.5) or a number with a unit (250ms, 10s, 2m, 1h)")
                }
                return interval
            })
    var every: Duration?

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard consumedDelay >= 0 else { throw ValidationError("--consumed-delay must not be negative") }
    }

    var runnerConfiguration: CleanupRunner.Configuration {
        .init(batchSize: batchSize, removeConsumedGrants: removeConsumed, consumedGrantCleanupDelay: consumedDelay, pace: pace)
    }

    func run() async throws {
        if let every { return try await runAsService(every: every) }
        try await options.withDeployment { deployment in
            let runner = CleanupRunner(stores: deployment.makeStores(), configuration: runnerConfiguration,
                                       observability: options.observability)
            let lastProgress = Mutex(ContinuousClock.now)
            let report = try await runner.run(observer: .init(progress: { report in
                // A progress line at most every two seconds, so long runs show they are alive.
                let now = ContinuousClock.now
                let due = lastProgress.withLock { last in
                    guard now - last >= .seconds(2) else { return false }
                    last = now
                    return true
                }
                if due { Terminal.progress("cleanup: \(report.total) rows removed so far (\(report.batches) batches)") }
            }))
            let operational = deployment.store(for: .operationalData).url, cache = deployment.store(for: .distributedCache).url
            let operationalRows = report.total - (operational == cache ? 0 : report.cacheEntries)
            // Each part reports under the store it lives in; the cache apart when it lives elsewhere.
            Terminal.print("""
                \(operational == cache ? Terminal.label(operational) : "operational data at \(operational): ")removed \(operationalRows) rows in \(report.batches) batches \
                (\(report.rateDescription) at pace \(pace))
                  expired grants                \(report.expiredGrants)
                  consumed grants               \(report.consumedGrants)\(removeConsumed ? "" : " (not requested)")
                  device authorizations         \(report.deviceAuthorizations)
                  pushed authorization requests \(report.pushedAuthorizationRequests)
                  backchannel requests          \(report.backchannelRequests)
                  server-side sessions          \(report.sessions)
                """)
            if operational == cache {
                Terminal.print("  cache entries                 \(report.cacheEntries)")
            } else {
                Terminal.print("distributed cache at \(cache): removed \(report.cacheEntries) cache entries")
            }
        }
    }
}

extension Cleanup {
    /// `--every`: the cleanup service in a service group that SIGINT and SIGTERM shut down gracefully.
    func runAsService(every interval: Duration) async throws {
        try await options.withDeployment { deployment in
            let observability = options.observability
            let service = CleanupService(
                stores: deployment.makeStores(),
                configuration: .init(interval: interval, runner: runnerConfiguration, startsImmediately: true),
                observability: observability,
                observer: .init(passFinished: { report in
                    Terminal.print("\(Terminal.label(deployment))removed \(report.total) rows in \(report.batches) batches (\(report.rateDescription))"
                                   + (report.stopped ? "; stopped" : ""))
                }))
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: observability.logger))
            try await group.run()
        }
    }
}

extension CleanupRunner.Report {
    /// `12,345 rows/s over 2.1 s`.
    var rateDescription: String {
        let seconds = duration.inSeconds
        let rate = seconds > 0 ? Int((Double(total) / seconds).rounded()) : 0
        return "\(rate) rows/s over \(String(format: "%.1f", seconds)) s"
    }
}

extension CleanupPace {
    /// The forms `--pace` and `--cleanup-pace` take, for their help.
    static var forms: String { "a duty cycle ('20%'), a rate ('5000/s') or 'unlimited' (default: \(CleanupPace.default))" }
}
