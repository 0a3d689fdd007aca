import Foundation
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A process a test starts, with the shape of Foundation's `Process` (pipes, `terminate()`, `waitUntilExit()`), started
/// and awaited by swift-subprocess: Foundation's `Process.run()` of Swift 6.3.1 copies 256 bytes of every
/// `/proc/self/fd` entry and, now and then, reads past an unmapped page and crashes the whole test process
/// (swift-corelibs-foundation #5472, fixed after 6.3.1).
///
/// The process is started and awaited by a task on the cooperative pool, so the blocking calls (``init(_:_:environment:in:input:output:error:mergingErrors:)``,
/// ``waitUntilExit()``) must never run on that pool (two threads here): use ``start(_:_:environment:in:input:output:error:mergingErrors:)``
/// and ``exit()`` from async code, or call them on a thread of its own (``offTheCooperativePool(_:)``).
public final class ChildProcess: Sendable {
    /// Where one of the process's standard streams goes.
    public enum Stream: Sendable {
        /// A pipe, whose other end this object holds.
        case pipe
        /// `/dev/null`.
        case null
        /// The test runner's own.
        case inherit
    }

    public let processIdentifier: pid_t
    /// The write end of its standard input (with ``Stream/pipe``).
    public let standardInput: FileHandle?
    /// The read end of its standard output (with ``Stream/pipe``; also its standard error with `mergingErrors`).
    public let standardOutput: FileHandle?
    /// The read end of its standard error (with ``Stream/pipe`` and not `mergingErrors`).
    public let standardError: FileHandle?
    private let lifetime = Lifetime()

    /// What the task that runs the process tells the threads that wait for it.
    private final class Lifetime: Sendable {
        let started = Mutex<Result<pid_t, any Swift.Error>?>(nil)
        let spawned = DispatchSemaphore(value: 0)
        let ended = Mutex<TerminationStatus?>(nil)
        let exit = DispatchGroup()
    }

    /// Starts `executable` with `arguments`, the `environment` given whole (nil: this process's, ``ProcessEnvironment/current``),
    /// in `directory`.
    /// With `mergingErrors`, standard error goes where standard output goes.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, in directory: URL? = nil,
                input: Stream = .null, output: Stream = .pipe, error: Stream = .pipe, mergingErrors: Bool = false) throws {
        let stdin = input == .pipe ? try FileDescriptor.pipe() : nil
        let stdout = output == .pipe ? try FileDescriptor.pipe() : nil
        let stderr = error == .pipe && !mergingErrors ? try FileDescriptor.pipe() : nil
        // The child's ends go to swift-subprocess, which closes them once the child has them.
        func child(_ stream: Stream, _ pipeEnd: FileDescriptor?, standard: CInt) throws -> FileDescriptor {
            switch stream {
            case .pipe, .null: try pipeEnd ?? FileDescriptor.open("/dev/null", .readWrite)
            case .inherit: try FileDescriptor(rawValue: standard).duplicate()
            }
        }
        let inputEnd = try child(input, stdin?.readEnd, standard: 0)
        let outputEnd = try child(output, stdout?.writeEnd, standard: 1)
        let errorEnd = mergingErrors ? try outputEnd.duplicate() : try child(error, stderr?.writeEnd, standard: 2)
        let configuration = Configuration(executable: .path(FilePath(executable.path)), arguments: Arguments(arguments),
                                          environment: .custom(Self.keys(environment ?? ProcessEnvironment.current)),
                                          workingDirectory: directory.map { FilePath($0.path) })
        let lifetime = lifetime
        lifetime.exit.enter()
        Task.detached {
            do {
                let result = try await Subprocess.run(
                    configuration,
                    input: .fileDescriptor(inputEnd, closeAfterSpawningProcess: true),
                    output: .fileDescriptor(outputEnd, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(errorEnd, closeAfterSpawningProcess: true)
                ) { execution in
                    lifetime.started.withLock { $0 = .success(execution.processIdentifier.value) }
                    lifetime.spawned.signal()
                }
                lifetime.ended.withLock { $0 = result.terminationStatus }
            } catch {
                let neverStarted = lifetime.started.withLock { started in
                    defer { if started == nil { started = .failure(error) } }
                    return started == nil
                }
                if neverStarted { lifetime.spawned.signal() }
                lifetime.ended.withLock { $0 = .exited(-1) }
            }
            lifetime.exit.leave()
        }
        lifetime.spawned.wait()
        processIdentifier = try lifetime.started.withLock { $0! }.get()
        standardInput = stdin.map { FileHandle(fileDescriptor: $0.writeEnd.rawValue, closeOnDealloc: true) }
        standardOutput = stdout.map { FileHandle(fileDescriptor: $0.readEnd.rawValue, closeOnDealloc: true) }
        standardError = stderr.map { FileHandle(fileDescriptor: $0.readEnd.rawValue, closeOnDealloc: true) }
    }

    /// Starts the process from async code (see the initializer).
    public static func start(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, in directory: URL? = nil,
                             input: Stream = .null, output: Stream = .pipe, error: Stream = .pipe,
                             mergingErrors: Bool = false) async throws -> ChildProcess {
        try await offTheCooperativePool {
            try ChildProcess(executable, arguments, environment: environment, in: directory, input: input, output: output, error: error,
                             mergingErrors: mergingErrors)
        }
    }

    /// Waits for it to end, from async code.
    public func exit() async throws {
        try await offTheCooperativePool { self.waitUntilExit() }
    }

    private static func keys(_ environment: [String: String]) -> [Environment.Key: String] {
        var keys: [Environment.Key: String] = [:]
        for (name, value) in environment { if let key = Environment.Key(rawValue: name) { keys[key] = value } }
        return keys
    }

    /// Whether it has not ended (been awaited) yet.
    public var isRunning: Bool { lifetime.ended.withLock { $0 == nil } }

    /// Sends `signal` while it runs.
    public func signal(_ signal: CInt) {
        if isRunning { _ = Foundation.kill(processIdentifier, signal) }
    }

    /// SIGTERM.
    public func terminate() { signal(SIGTERM) }

    /// Blocks until it has ended (call off the cooperative pool).
    public func waitUntilExit() { lifetime.exit.wait() }

    /// Blocks until it has ended or `seconds` have passed (call off the cooperative pool); whether it ended.
    public func waitUntilExit(seconds: Double) -> Bool { lifetime.exit.wait(timeout: .now() + seconds) == .success }

    /// Its exit status, or the signal that ended it (valid once it ended).
    public var terminationStatus: Int32 {
        switch lifetime.ended.withLock({ $0 }) {
        case .exited(let code)?: code
        case .signaled(let signal)?: signal
        case nil: -1
        }
    }

    /// Whether it exited or a signal ended it (valid once it ended).
    public var terminationReason: Process.TerminationReason {
        if case .signaled? = lifetime.ended.withLock({ $0 }) { return .uncaughtSignal }
        return .exit
    }
}
