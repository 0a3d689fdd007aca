import IdentityStorage
import IdentityStorageTool
import Synchronization

/// One in-process run of the tool library (``IdentityStorageTool/run(_:drivers:commandName:output:)``) with its
/// output captured.
public struct ToolRun: Sendable, CustomStringConvertible {
    /// The exit status.
    public let status: Int32
    /// Standard output, one line per element.
    public let stdout: [String]
    /// Standard error, one line per element.
    public let stderr: [String]

    /// Runs `arguments` with `drivers`, the stores logging, measuring and tracing through `observability` (default: the
    /// tool's own, logging to standard error).
    public static func run(_ arguments: [String], drivers: [any IdentityStorageDriver], observability: StoreObservability? = nil) async -> ToolRun {
        let lines = Lines()
        let status = await IdentityStorageTool.run(arguments, drivers: drivers,
                                                   output: ToolOutput(write: { lines.append($0, error: false) },
                                                                      writeError: { lines.append($0, error: true) }),
                                                   observability: observability)
        let (stdout, stderr) = lines.value
        return ToolRun(status: status, stdout: stdout, stderr: stderr)
    }

    /// The summary line `check` prints: `N passed, 0 failed, 0 skipped` for every case of the suite.
    public func checkPassedEveryCase(_ count: Int) -> Bool {
        status == 0 && stdout.contains { $0.contains(" \(count) passed, 0 failed, 0 skipped in ") }
    }

    public var description: String {
        "status \(status)\nstdout:\n\(stdout.suffix(40).joined(separator: "\n"))\nstderr:\n\(stderr.suffix(20).joined(separator: "\n"))"
    }
}

private final class Lines: Sendable {
    private let lines = Mutex<(out: [String], error: [String])>(([], []))

    func append(_ text: String, error: Bool) {
        let split = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.withLock { error ? $0.error.append(contentsOf: split) : $0.out.append(contentsOf: split) }
    }

    var value: ([String], [String]) { lines.withLock { ($0.out, $0.error) } }
}
