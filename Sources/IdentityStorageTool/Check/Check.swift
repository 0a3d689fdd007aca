import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageConformance

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the conformance suite against the store (or the mixed deployment).",
        discussion: """
            Cases write under unique key prefixes; run it against a database meant for testing. Several runs may check one \
            store at once: the cases that need shared state to themselves take a lease on it in the store's own cache.
            """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("Run only cases whose name starts with this prefix.", valueName: "prefix"))
    var filter: String = ""

    @Flag(help: "Print only failures and the summary.")
    var quiet = false

    @Option(help: ArgumentHelp("Also write a JUnit XML report to this file (one testcase per case, grouped by store).", valueName: "file"))
    var junit: String?

    @Flag(help: "Print one JSON object per case and a summary object, instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Fail a case that runs longer than this and go on with the next.", valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        let cases = ConformanceSuite.cases(withPrefix: filter)
        guard !cases.isEmpty else {
            Terminal.error("no conformance case starts with '\(filter)'")
            throw ExitCode.failure
        }
        let report = try await options.withDeployment { deployment in
            // Leases and the damage journal live in the deployment's own stores, judged by real time.
            let harness = CheckHarness(deployment: DeploymentHarness(deployment), leases: CheckLeases(deployment: deployment))
            return try await self.run(cases, on: harness, store: deployment.description)
        }
        if let junit {
            try await reportingErrors {
                guard FileManager.default.createFile(atPath: junit, contents: Data(JUnitReport.xml(report).utf8)) else {
                    throw IdentityStorageError(.unavailable, "cannot write the JUnit report '\(junit)'")
                }
            }
        }
        if report.failed > 0 { throw ExitCode.failure }
    }

    /// Runs `cases` one after another, printing each (table or JSON) as it ends.
    private func run(_ cases: [ConformanceCase], on harness: CheckHarness, store: String) async throws -> CheckReport {
        var report = CheckReport(store: store)
        let width = min(60, cases.map(\.name.count).max() ?? 20)
        if !quiet, !json { Terminal.print(pad("case", width) + "  result   time") }
        let started = ContinuousClock.now
        for testCase in cases {
            let outcome = try await harness.leases.holding(testCase.sharedState) {
                if let timeout {
                    await ConformanceSuite.run(testCase, on: harness, timeout: .milliseconds(Int64(saturating: (timeout * 1000).rounded())))
                } else {
                    await ConformanceSuite.run(testCase, on: harness)
                }
            }
            report.entries.append(.init(name: testCase.name, outcome: outcome))
            if json {
                Terminal.print(try CheckReport.jsonLine(report.entries.last!))
                continue
            }
            switch outcome {
            case .passed(let duration):
                if !quiet { Terminal.print(pad(testCase.name, width) + "  passed   " + milliseconds(duration)) }
            case .failed(let message, let duration):
                Terminal.print(pad(testCase.name, width) + "  FAILED   " + milliseconds(duration))
                Terminal.print("    " + message)
            case .skipped(let reason):
                Terminal.print(pad(testCase.name, width) + "  skipped  " + reason)
            }
        }
        report.seconds = (ContinuousClock.now - started).inSeconds
        if json {
            Terminal.print(try report.jsonSummary())
        } else {
            Terminal.print("\(Terminal.label(store))\(report.passed) passed, \(report.failed) failed, \(report.skipped) skipped in \(String(format: "%.1f", report.seconds)) s")
        }
        return report
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%7.1f ms", ms)
    }
}
