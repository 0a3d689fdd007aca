import Foundation

/// A helper executable a test runs as a process of its own (a file-store writer, a key-management instance), which
/// answers line by line on its standard output and, when asked, reads lines on its standard input.
///
/// The reads block: call ``nextLine()`` and ``lines()`` through ``offTheCooperativePool(_:)``.
public final class ProbeProcess: Sendable {
    public enum Failure: Error { case ended(String), unexpected(String) }

    private let process: Process
    private let input: FileHandle?
    private let output: FileHandle
    private let errorOutput: FileHandle?
    private let buffer = LineBuffer()

    /// Starts `executable` with `arguments`; with `input`, its standard input is a pipe ``send(_:)`` writes to; with
    /// `capturingErrors`, its standard error is kept for ``errors()`` (otherwise it goes to the test runner's).
    public init(_ executable: URL, _ arguments: [String], input: Bool = false, capturingErrors: Bool = false) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = input ? Pipe() : nil, stdout = Pipe(), stderr = capturingErrors ? Pipe() : nil
        if let stdin { process.standardInput = stdin }
        process.standardOutput = stdout
        if let stderr { process.standardError = stderr }
        try process.run()
        self.process = process
        self.input = stdin?.fileHandleForWriting
        output = stdout.fileHandleForReading
        errorOutput = stderr?.fileHandleForReading
    }

    /// Sends one line to the probe's standard input.
    public func send(_ line: String) {
        input?.write(Data((line + "\n").utf8))
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

    /// How the probe ended, as far as is known when its output closes (no wait: Foundation's exit monitoring has missed
    /// a child's exit under the test runner before).
    private var ending: String {
        guard !process.isRunning else { return "closed its output" }
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
        guard let errorOutput, !process.isRunning else { return "" }
        return " " + String(decoding: errorOutput.readDataToEndOfFile(), as: UTF8.self)
    }

    /// SIGKILL, then waits for the process to end.
    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
