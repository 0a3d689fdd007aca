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
        try await options.withStore { store in
            let runner = CleanupRunner(stores: store.makeStores(), configuration: .init(
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
            Terminal.print("""
                \(Terminal.label(store.url))removed \(report.total) rows in \(report.batches) batches
                  expired grants                \(report.expiredGrants)
                  consumed grants               \(report.consumedGrants)\(removeConsumed ? "" : " (not requested)")
                  device authorizations         \(report.deviceAuthorizations)
                  pushed authorization requests \(report.pushedAuthorizationRequests)
                  backchannel requests          \(report.backchannelRequests)
                  cache entries                 \(report.cacheEntries)
                  server-side sessions          \(report.sessions)
                """)
        }
    }
}
