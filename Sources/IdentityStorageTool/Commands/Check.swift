import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageConformance

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the conformance suite against the store (or the mixed deployment).",
        discussion: "Cases write under unique key prefixes; run it against a database meant for testing.")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Run only cases whose name starts with this prefix.", valueName: "prefix"))
    var filter: String = ""

    @Flag(help: "Print only failures and the summary.")
    var quiet = false

    func run() async throws {
        let cases = ConformanceSuite.cases(withPrefix: filter)
        guard !cases.isEmpty else {
            Terminal.error("no conformance case starts with '\(filter)'")
            throw ExitCode.failure
        }
        let failed = try await options.withDeployment { deployment in
            let harness = DeploymentHarness(deployment)
            let width = min(60, cases.map(\.name.count).max() ?? 20)
            if !quiet { Terminal.print(pad("case", width) + "  result   time") }
            var counts = (passed: 0, failed: 0, skipped: 0)
            let started = ContinuousClock.now
            for testCase in cases {
                let outcome = await ConformanceSuite.run(testCase, on: harness)
                switch outcome {
                case .passed(let duration):
                    counts.passed += 1
                    if !quiet { Terminal.print(pad(testCase.name, width) + "  passed   " + milliseconds(duration)) }
                case .failed(let message, let duration):
                    counts.failed += 1
                    Terminal.print(pad(testCase.name, width) + "  FAILED   " + milliseconds(duration))
                    Terminal.print("    " + message)
                case .skipped(let reason):
                    counts.skipped += 1
                    Terminal.print(pad(testCase.name, width) + "  skipped  " + reason)
                }
            }
            let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - started).components.seconds)
            Terminal.print("\(Terminal.label(deployment))\(counts.passed) passed, \(counts.failed) failed, \(counts.skipped) skipped in \(String(format: "%.1f", seconds)) s")
            return counts.failed
        }
        if failed > 0 { throw ExitCode.failure }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%7.1f ms", ms)
    }
}
