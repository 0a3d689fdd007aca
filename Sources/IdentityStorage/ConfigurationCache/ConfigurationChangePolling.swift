/// A ``ConfigurationChangeSource`` from a version to poll: a change counter that configuration writes bump in
/// their own transaction (MariaDB, SQLite), a document's modification time and size (`file:`).
public enum ConfigurationChangePolling {
    /// Reads `version` every `interval`: a version other than the last one read reports
    /// ``ConfigurationChangeEvent/changed``, every successful read ``ConfigurationChangeEvent/synchronized(_:)`` with
    /// the instant the read began, and the first failure of an outage ``ConfigurationChangeEvent/interrupted(_:)``.
    /// A version is persistent, so a change made while polling failed is still seen when it works again.
    public static func changes<Version: Equatable & Sendable>(
        every interval: Duration, version: @escaping @Sendable () async throws -> Version
    ) -> AsyncStream<ConfigurationChangeEvent> {
        let (events, continuation) = AsyncStream.makeStream(of: ConfigurationChangeEvent.self)
        let task = Task {
            var last: Version?
            var interrupted = false
            while !Task.isCancelled {
                let started = ContinuousClock.now
                do {
                    let current = try await version()
                    if last != current {
                        continuation.yield(.changed)
                        last = current
                    }
                    continuation.yield(.synchronized(started))
                    interrupted = false
                } catch {
                    if Task.isCancelled { break }
                    if !interrupted {
                        continuation.yield(.interrupted(IdentityStorageError(describing: error, "polling for configuration changes")))
                        interrupted = true
                    }
                }
                try? await Task.sleep(until: started + interval)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return events
    }
}

extension IdentityStorageError {
    /// `error` itself when it is one; otherwise an `unavailable` error naming only its type (a foreign error's
    /// text may carry what a log must not).
    package init(describing error: any Error, _ what: String) {
        self = error as? IdentityStorageError
            ?? IdentityStorageError(.unavailable, "\(what) failed: \(String(reflecting: type(of: error)))")
    }
}
