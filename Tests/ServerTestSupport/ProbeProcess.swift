import Foundation

/// A helper executable a test runs as a process of its own (a file-store writer, a key-management instance), which
/// answers line by line on its standard output and, when asked, reads lines on its standard input.
///
/// The reads block: call ``nextLine()`` and ``lines()`` through ``offTheCooperativePool(_:)``.
public final class ProbeProcess: Sendable {
    public enum Failure: Error { case ended(String), unexpected(String) }

    private let process: ChildProcess
    private let buffer = LineBuffer()

    private init(process: ChildProcess) { self.process = process }

    /// Starts `executable` with `arguments`; with `input`, its standard input is a pipe ``send(_:)`` writes to; with
    /// `capturingErrors`, its standard error is kept for ``errors()`` (otherwise it goes to the test runner's).
    public static func start(_ executable: URL, _ arguments: [String], input: Bool = false, capturingErrors: Bool = false) async throws -> ProbeProcess {
        ProbeProcess(process: try await ChildProcess.start(executable, arguments, input: input ? .pipe : .null, error: capturingErrors ? .pipe : .inherit))
    }

    private var output: FileHandle { process.standardOutput! }

    /// Sends one line to the probe's standard input.
    public func send(_ line: String) {
        process.standardInput?.write(Data((line + "\n").utf8))
    }

    /// The next line the probe prints; throws ``Failure/ended(_:)`` (how it ended, and what it wrote to standard
    /// error) when it ends first.
    public func nextLine() throws -> String {
        while true {
            if let line = buffer.takeLine() { return line }
            let chunk = output.availableData
            guard !chunk.isEmpty else { throw Failure.ended(ending + errors()) }
            buffer.append(chunk)
        }
    }

    /// How the probe ended once its output closed (waiting a little for it to end, so that its errors can be shown).
    private var ending: String {
        guard process.waitUntilExit(seconds: 10) else { return "closed its output" }
        return process.terminationReason == .uncaughtSignal ? "killed" : "exited"
    }

    /// Every complete line the probe printed and nobody read yet (call after ``kill()``).
    public func lines() -> [String] {
        buffer.append(output.readDataToEndOfFile())
        var lines: [String] = []
        while let line = buffer.takeLine() { lines.append(line) }
        return lines
    }

    /// What the probe wrote to standard error, once it ended (empty while it runs, or when not captured).
    public func errors() -> String {
        guard let errorOutput = process.standardError, !process.isRunning else { return "" }
        return " " + String(decoding: errorOutput.readDataToEndOfFile(), as: UTF8.self)
    }

    /// SIGKILL, then waits for the process to end.
    public func kill() async throws {
        process.signal(SIGKILL)
        try await process.exit()
    }

    /// SIGKILL, without waiting (for a `defer`).
    public func killWithoutWaiting() {
        process.signal(SIGKILL)
    }
}
