import ArgumentParser
import Foundation
import IdentityStorage
import Synchronization

struct Cleanup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove expired grants, device codes, PARs, CIBA requests, cache entries and sessions (one pass).")

    @OptionGroup var options: StoreOptions

    @Option(help: "Rows per batch.")
    var batchSize: Int = 100

    @Flag(help: "Also remove consumed grants.")
    var removeConsumed = false

    @Option(help: ArgumentHelp("Remove consumed grants only once consumed longer ago than this.", valueName: "seconds"))
    var consumedDelay: Double = 0

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard consumedDelay >= 0 else { throw ValidationError("--consumed-delay must not be negative") }
    }

    func run() async throws {
        try await options.withDeployment { deployment in
            let runner = CleanupRunner(stores: deployment.makeStores(), configuration: .init(
                batchSize: batchSize, removeConsumedGrants: removeConsumed, consumedGrantCleanupDelay: consumedDelay))
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
                \(operational == cache ? Terminal.label(operational) : "operational data at \(operational): ")removed \(operationalRows) rows in \(report.batches) batches
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
