import Foundation
import IdentityStorage
import ServerTestSupport
import Synchronization
import Testing

/// `idstore` end to end: the built tool, spawned, its output and exit codes.
@Suite("idstore tool")
struct IdstoreToolTests {
    @Test func migrateThenCheckPassesOnANewFile() async throws {
        let directory = try TemporaryDirectory()
        let migrate = try await Idstore.run(["migrate"], in: directory)
        #expect(migrate.status == 0, "\(migrate)")
        #expect(migrate.stdout.contains("sqlite:identity.db: schema version 3"))
        let check = try await Idstore.run(["check", "--filter", "grants."], in: directory)
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("passed"))
        #expect(check.stdout.range(of: #"\d+ passed, 0 failed, 0 skipped"#, options: .regularExpression) != nil, "\(check.stdout)")
    }

    @Test func fourProcessesMigratingOneNewFileAllSucceed() async throws {
        let directory = try TemporaryDirectory()
        let results = try await Idstore.runTogether(Array(repeating: ["migrate", "--store", "sqlite:shared.db"], count: 4), in: directory)
        #expect(results.count == 4)
        for result in results {
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("schema version 3"), "\(result)")
        }
    }

    @Test func storeComesFromTheEnvironment() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Idstore.run(["migrate"], in: directory, environment: ["IDSTORE_URL": "sqlite:other.db"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("sqlite:other.db: schema version 3"))
        #expect(FileManager.default.fileExists(atPath: directory.file("other.db")))
    }

    @Test(arguments: [
        (["migrate", "--store", "ftp://x"], "unknown store URL scheme 'ftp'"),
        (["migrate", "--store", "postgres://app:hunter2@:5432/db"], "has an empty host"),
        (["migrate", "--store", "sqlite:/nonexistent-dir/x/identity.db"], "cannot be opened"),
        (["import", "/nonexistent-file.json"], "cannot read '/nonexistent-file.json'"),
        (["check", "--filter", "no-such-case"], "no conformance case starts with 'no-such-case'"),
        (["cleanup", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["check", "--configuration-staleness", "100"], "--configuration-staleness needs --cache-configuration"),
        (["check", "--cache-configuration", "--configuration-staleness", "5"], "--configuration-staleness must be at least 20 ms"),
        (["migrate", "--store", "sqlite:x.db?pool_size=2"], "SQLite takes readers, inline_bound, busy_timeout"),
        (["migrate", "--store", "postgres://app:hunter2@127.0.0.1:1/db?connect_timeout=2"], "Connection refused"),
        (["migrate", "--store", "redis://app:hunter2@127.0.0.1:1/0?connect_timeout=2"], "127.0.0.1:1"),
    ])
    func badInputGivesOneLineAndStatusOne(arguments: [String], expected: String) async throws {
        let result = try await Idstore.run(arguments, in: try TemporaryDirectory())
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result)")
        #expect(!result.stderr.contains("hunter2"), "password in \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func unwritablePathIsOneLine() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("locked.db")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let result = try await directory.whileReadOnly(path) { try await Idstore.run(["migrate", "--store", "sqlite:\(path)"], in: directory) }
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("idstore: error: "), "\(result)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
    }

    @Test func badImportFilesWriteNothing() async throws {
        let directory = try TemporaryDirectory()
        let cases: [(String, String)] = [
            ("{not json", "not valid JSON"),
            (#"{"clients": [{"clientId": "a", "bogus": 1}]}"#, "unknown property 'bogus'"),
            (#"{"clients": [{"clientId": "a"}, {"clientId": "a"}]}"#, "appears more than once"),
            (#"{"clients": [{"clientId": "ok"}, {"clientId": "b", "refreshTokenUsage": 7}]}"#, "clients[1] (b)"),
            (#"{"clients": [{"clientId": "ok"}, {"clientId": "c", "allowedCorsOrigins": ["not an origin"]}]}"#, "not a CORS origin"),
            (#"{"widgets": []}"#, "unknown top-level property 'widgets'"),
        ]
        for (index, (json, expected)) in cases.enumerated() {
            let file = directory.file("bad\(index).json")
            try Data(json.utf8).write(to: URL(fileURLWithPath: file))
            let result = try await Idstore.run(["import", file], in: directory)
            #expect(result.status == 1, "\(json): \(result)")
            #expect(result.stderr.contains(expected), "\(json): \(result.stderr)")
        }
        let export = try await Idstore.run(["export"], in: directory)
        #expect(!export.stdout.contains("\"clientId\""), "a rejected import wrote: \(export.stdout)")
    }

    @Test func exampleImportIsIdempotentAndExportsRoundTrip() async throws {
        let directory = try TemporaryDirectory()
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/configuration.json").path
        let first = try await Idstore.run(["import", example], in: directory)
        #expect(first.status == 0, "\(first)")
        let exported = try await Idstore.run(["export", "--output", "one.json"], in: directory)
        #expect(exported.status == 0, "\(exported)")
        let second = try await Idstore.run(["import", example], in: directory)
        #expect(second.status == 0, "\(second)")
        #expect(try await Idstore.run(["export", "--output", "two.json"], in: directory).status == 0)
        let one = try Data(contentsOf: URL(fileURLWithPath: directory.file("one.json")))
        let two = try Data(contentsOf: URL(fileURLWithPath: directory.file("two.json")))
        #expect(one == two, "importing twice changed the export")
        // The export imports into an empty store and exports identically.
        let other = try TemporaryDirectory()
        #expect(try await Idstore.run(["import", directory.file("one.json")], in: other).status == 0)
        #expect(try await Idstore.run(["export", "--output", "three.json"], in: other).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: other.file("three.json"))) == one)
    }

    @Test func cleanupPrintsWhatItRemoved() async throws {
        let result = try await Idstore.run(["cleanup", "--batch-size", "10"], in: try TemporaryDirectory())
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("removed 0 rows"), "\(result)")
        #expect(result.stdout.contains("expired grants"))
    }

    @Test func cleanupEveryIntervalStopsGracefullyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        #expect(try await Idstore.run(["migrate"], in: directory).status == 0)
        let process = try await offTheCooperativePool { try Idstore.start(["cleanup", "--every", "1s", "--log-level", "info"], in: directory, environment: [:]) }
        let out = try #require(process.standardOutput), err = try #require(process.standardError)
        let printed = Mutex("")
        out.readabilityHandler = { handle in
            let data = handle.availableData
            printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        // Two passes: the one at start and one an interval later.
        let deadline = ContinuousClock.now + .seconds(60)
        while printed.withLock({ $0.components(separatedBy: "removed 0 rows").count - 1 }) < 2, ContinuousClock.now < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        out.readabilityHandler = nil
        let stderr = String(decoding: err.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "stderr: \(stderr)")
        #expect(printed.withLock { $0.hasPrefix("sqlite:identity.db: removed 0 rows in 0 batches") }, "\(printed.withLock { $0 })")
        #expect(!stderr.contains("error"), "\(stderr)")
    }
}

/// Runs the built `idstore` next to the test binary.
enum Idstore {
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    static var executable: URL { PackagePaths.executable("idstore") }

    static func run(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) async throws -> Result {
        try await runTogether([arguments], in: directory, environment: environment)[0]
    }

    /// Starts every process before waiting for any, so they really run at the same time; waits on a thread of its
    /// own (``offTheCooperativePool(_:)``).
    static func runTogether(_ argumentLists: [[String]], in directory: TemporaryDirectory,
                            environment: [String: String] = [:]) async throws -> [Result] {
        try await offTheCooperativePool { try waitForAll(argumentLists, in: directory, environment: environment) }
    }

    private static func waitForAll(_ argumentLists: [[String]], in directory: TemporaryDirectory,
                                   environment: [String: String]) throws -> [Result] {
        let started = try argumentLists.map { try start($0, in: directory, environment: environment) }
        return started.map { process in
            let stdout = process.standardOutput?.readDataToEndOfFile() ?? Data()
            let stderr = process.standardError?.readDataToEndOfFile() ?? Data()
            process.waitUntilExit()
            return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Starts `idstore` and returns at once, its output discarded (for a test that kills it).
    static func start(_ arguments: [String], in directory: TemporaryDirectory) throws -> ChildProcess {
        try start(arguments, in: directory, environment: [:], discardingOutput: true)
    }

    /// Starts `idstore` and returns at once with the pipes of its output (or discarding it).
    static func start(_ arguments: [String], in directory: TemporaryDirectory,
                      environment: [String: String], discardingOutput: Bool = false) throws -> ChildProcess {
        var env = ProcessEnvironment.current
        env.removeValue(forKey: "IDSTORE_URL")
        env.merge(environment) { $1 }
        return try ChildProcess(executable, arguments, environment: env, in: directory.url,
                                output: discardingOutput ? .null : .pipe, error: discardingOutput ? .null : .pipe)
    }
}
