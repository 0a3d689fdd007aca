import Foundation
import Synchronization
import Testing

/// Whether a test server answers, found out once per test process, and what a test does when it does not:
/// under `CI=true` it records an issue (a missing server fails the run); otherwise it prints one line per test
/// saying the test was not run.
public final class ServerAvailability<Configuration: Sendable>: Sendable {
    private let server: String
    private let service: String
    private let target: String
    private let describe: @Sendable () -> String
    private let probe: Mutex<Task<Result<Configuration, any Error>, Never>?>
    private let open: @Sendable () async throws -> Configuration
    private let printed = Mutex<Set<String>>([])

    /// - Parameters:
    ///   - server: the server's name in messages ("PostgreSQL").
    ///   - service: its name for `Scripts/services.sh start` ("postgres").
    ///   - target: the test target's name, prefixed to printed lines.
    ///   - describe: the test URL, password redacted.
    ///   - open: connects once and returns the configuration tests should use.
    public init(server: String, service: String, target: String, describe: @escaping @Sendable () -> String,
                open: @escaping @Sendable () async throws -> Configuration) {
        self.server = server
        self.service = service
        self.target = target
        self.describe = describe
        self.open = open
        probe = Mutex(nil)
    }

    /// Whether the run is CI's (`CI=true`).
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The configuration when the server answers; otherwise records or prints as described above and returns nil.
    public func available(_ test: String = #function) async -> Configuration? {
        let task = probe.withLock { probe in
            if let probe { return probe }
            let open = self.open
            let started = Task { () -> Result<Configuration, any Error> in
                do { return .success(try await open()) } catch { return .failure(error) }
            }
            probe = started
            return started
        }
        switch await task.value {
        case .success(let configuration):
            return configuration
        case .failure(let error):
            if Self.isCI {
                Issue.record("\(server) is not reachable at \(describe()) (\(error)); CI must start it with Scripts/services.sh start \(service)")
            } else if printed.withLock({ $0.insert(test).inserted }) {
                print("\(target): \(test) not run: \(server) is not reachable at \(describe()); start it with Scripts/services.sh start \(service)")
            }
            return nil
        }
    }
}
