#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import ServerTestSupport
import Testing
import Synchronization

/// The `authorization-server` executable built beside the tests, running as a process of its own on a port the
/// system picked (`--port 0`): it prints the address once it listens, so there is no port to guess and no sleep.
final class ExampleServerProcess: Sendable {
    /// `http://127.0.0.1:PORT`.
    let baseURL: String
    private let process: ChildProcess
    private let output: Output

    /// Starts the server with `arguments` (store options) and returns once it listens.
    /// - Throws: when it exits, or has not said it listens within `bound` (generous: it only catches a hang; the
    ///   process is killed then), with its output.
    static func start(_ arguments: [String], bound: Duration = .seconds(180)) async throws -> ExampleServerProcess {
        var environment = ProcessEnvironment.current
        for variable in ["IDSTORE_URL", "IDSTORE_CONFIGURATION_URL", "IDSTORE_KEY_URL", "IDSTORE_OPERATIONAL_URL", "IDSTORE_CACHE_URL"] {
            environment.removeValue(forKey: variable)
        }
        let process = try await offTheCooperativePool { [environment] in
            try ChildProcess(executable, arguments + ["--hostname", "127.0.0.1", "--port", "0"], environment: environment, mergingErrors: true)
        }
        let pipe = try #require(process.standardOutput)
        let output = Output()
        let watchdog = Task {
            try await Task.sleep(for: bound)
            if output.listening == nil { process.signal(SIGKILL) }
        }
        defer { watchdog.cancel() }
        let baseURL: String = try await withCheckedThrowingContinuation { continuation in
            output.onListening(continuation)
            // Drains the pipe until the process ends, so that its logging never blocks it on a full pipe.
            Thread { output.drain(pipe) }.start()
        }
        return ExampleServerProcess(baseURL: baseURL, process: process, output: output)
    }

    private init(baseURL: String, process: ChildProcess, output: Output) {
        self.baseURL = baseURL
        self.process = process
        self.output = output
    }

    /// Sends SIGTERM (a graceful shutdown) and waits for the process to end, killing it if it has not within
    /// `bound`. Returns how it ended and everything it printed.
    func stop(bound: Duration = .seconds(120)) async throws -> (exitedCleanly: Bool, output: String) {
        process.terminate()
        let process = self.process
        let watchdog = Task {
            try await Task.sleep(for: bound)
            process.signal(SIGKILL)
        }
        defer { watchdog.cancel() }
        try await offTheCooperativePool { process.waitUntilExit() }
        return (process.terminationReason == .exit && process.terminationStatus == 0, output.text)
    }

    /// The server when it runs beside the tests, else in the package's debug build folder.
    static var executable: URL { PackagePaths.executable("authorization-server") }

    /// What the process printed, and whoever waits for its "listening on" line.
    private final class Output: Sendable {
        private struct State {
            var text = ""
            var listening: String?
            var waiter: CheckedContinuation<String, any Error>?
        }
        private let state = Mutex(State())
        private static let prefix = "authorization-server listening on "

        var text: String { state.withLock { $0.text } }
        var listening: String? { state.withLock { $0.listening } }

        func onListening(_ continuation: CheckedContinuation<String, any Error>) {
            state.withLock { $0.waiter = continuation }
        }

        /// Reads until end of file (the process ended), on the calling thread.
        func drain(_ handle: FileHandle) {
            while true {
                let chunk = handle.availableData
                let ended = chunk.isEmpty
                let ready: (CheckedContinuation<String, any Error>, Result<String, any Error>)? = state.withLock { state in
                    state.text += String(decoding: chunk, as: UTF8.self)
                    guard let waiter = state.waiter else { return nil }
                    // Complete lines only: the last piece may be a line still being written.
                    let lines = state.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                    if let line = lines.first(where: { $0.hasPrefix(Self.prefix) }) {
                        let url = String(line.dropFirst(Self.prefix.count))
                        state.listening = url
                        state.waiter = nil
                        return (waiter, .success(url))
                    }
                    guard ended else { return nil }
                    state.waiter = nil
                    return (waiter, .failure(ExampleServerError.endedBeforeListening(state.text)))
                }
                if let (waiter, result) = ready { waiter.resume(with: result) }
                if ended { return }
            }
        }
    }
}

enum ExampleServerError: Error, CustomStringConvertible {
    case endedBeforeListening(String)

    var description: String {
        switch self {
        case .endedBeforeListening(let output): "authorization-server ended (or was killed for not listening in time) before it listened:\n\(output)"
        }
    }
}
#endif  // ExampleServer
