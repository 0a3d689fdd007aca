import ArgumentParser
import Foundation
import IdentityStorage
import Logging

/// The commands of `idstore` (`migrate`, `check`, `cleanup`, `import`, `export`, `bench`) as a library, so an
/// adapter written outside this package gets the tool for its own URLs with an executable of a few lines:
///
/// ```swift
/// import IdentityStorageOpener
/// import IdentityStorageTool
/// import AcmeIdentityStorage
///
/// @main
/// enum AcmeStore {
///     static func main() async {
///         await IdentityStorageTool.main(drivers: .builtIn + [AcmeDriver()])
///     }
/// }
/// ```
///
/// Optional abilities of a backend are found at run time: ``RawGrantBaseline`` and ``GrantBulkLoading`` for
/// `bench`, `StoredDataCorrupting` (from `IdentityStorageConformance`) for the corrupted-data cases of `check`.
/// The built-in backends have all three here.
public enum IdentityStorageTool {
    /// Runs the command line of this process with `drivers` and exits with its status. The stores log, measure
    /// and trace through `observability` (see ``run(_:drivers:commandName:output:observability:)``).
    public static func main(drivers: [any IdentityStorageDriver], commandName: String = "idstore",
                            observability: StoreObservability? = nil) async -> Never {
        ProcessMemory.limitArenas()
        let status = await run(Array(CommandLine.arguments.dropFirst()), drivers: drivers, commandName: commandName,
                               observability: observability)
        exit(status)
    }

    /// Runs one command line (`["check", "--store", "acme://…"]`) with `drivers`, writing to `output`, and returns
    /// the exit status: 0 on success, 1 when the command failed (a failed case, an error), 64 for a usage error.
    /// Errors are one line each, `NAME: error: …`, with no password in them.
    ///
    /// The stores log, measure and trace through `observability`; by default they log to standard error at
    /// `--log-level` (warning unless given) and measure and trace through the bootstrapped systems.
    public static func run(_ arguments: [String], drivers: [any IdentityStorageDriver], commandName: String = "idstore",
                           output: ToolOutput = .standard, observability: StoreObservability? = nil) async -> Int32 {
        let context = ToolContext(opener: StoreOpener(drivers: drivers), output: output, commandName: commandName,
                                  observability: observability ?? standardObservability(commandName: commandName))
        return await ToolContext.$current.withValue(context) {
            do {
                var command = try Idstore.parseAsRoot(arguments)
                if var asynchronous = command as? AsyncParsableCommand {
                    try await asynchronous.run()
                } else {
                    try command.run()
                }
                return 0
            } catch {
                let status = Idstore.exitCode(for: error).rawValue
                if status == 0 {
                    let help = Idstore.fullMessage(for: error)
                    if !help.isEmpty { output.write(help) }
                } else {
                    // Reported failures were written where they happened; usage errors get one line here.
                    let message = Idstore.message(for: error)
                    if !message.isEmpty, !(error is ExitCode) {
                        output.writeError("\(commandName): error: \(message.foldedToOneLine) (see \(commandName) --help)")
                    }
                }
                return status
            }
        }
    }
}

/// Where the tool's commands write: standard output and standard error, or a test's capture.
public struct ToolOutput: Sendable {
    /// Receives each line written to standard output (without its newline).
    public var write: @Sendable (String) -> Void
    /// Receives each line written to standard error (without its newline).
    public var writeError: @Sendable (String) -> Void

    /// Output to `write` and `writeError`, one line per call.
    public init(write: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void) {
        self.write = write
        self.writeError = writeError
    }

    /// The process's standard output and standard error.
    public static var standard: ToolOutput {
        ToolOutput(write: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) },
                   writeError: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }
}

extension IdentityStorageTool {
    /// Logs to standard error at warning (`--log-level` changes it).
    static func standardObservability(commandName: String) -> StoreObservability {
        var logger = Logger(label: commandName, factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        return StoreObservability(logger: logger)
    }
}

/// What the commands of one run share: the opener with the registered drivers, where to write, and where the stores
/// log, measure and trace.
struct ToolContext: Sendable {
    @TaskLocal static var current = ToolContext(opener: StoreOpener(drivers: []), output: .standard, commandName: "idstore",
                                                observability: StoreObservability())

    let opener: StoreOpener
    let output: ToolOutput
    let commandName: String
    let observability: StoreObservability
}
