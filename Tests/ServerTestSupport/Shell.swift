import Foundation

/// Runs `executable` (found on the PATH) with `arguments`, `input` on its standard input, and returns its exit status
/// and its output (standard output and error together), waiting for it on a thread of its own (see
/// ``offTheCooperativePool(_:)``): a test that waits for a process never holds one of the cooperative pool's threads.
public func shell(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
                  in directory: URL? = nil) async throws -> (status: Int32, output: String) {
    try await offTheCooperativePool {
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [executable] + arguments,
                                       environment: ProcessEnvironment.current.merging(environment) { $1 }, in: directory,
                                       input: .pipe, mergingErrors: true)
        if let input { process.standardInput?.write(Data(input.utf8)) }
        try process.standardInput?.close()
        let text = String(decoding: process.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

/// Runs blocking `work` (waiting for a process, reading its pipes) on a thread of its own. On the cooperative pool
/// (two threads here) a wait of many seconds starves every test running beside it; the liveness tests notice.
public func offTheCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
