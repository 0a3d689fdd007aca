import Foundation

/// Runs `executable` (found on the PATH) with `arguments`, `input` on its standard input, and returns its exit status
/// and its output (standard output and error together), waiting for it on a thread of its own (see
/// ``offTheCooperativePool(_:)``): a test that waits for a process never holds one of the cooperative pool's threads.
public func shell(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
                  in directory: URL? = nil) async throws -> (status: Int32, output: String) {
    try await offTheCooperativePool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = directory
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
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
