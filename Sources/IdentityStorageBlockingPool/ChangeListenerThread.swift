import Foundation
import IdentityStorage
import Synchronization

/// A configuration change channel whose library blocks (libpq's `LISTEN`, hiredis' `SUBSCRIBE`), run on a thread
/// of its own so that it never holds one of Swift's cooperative threads.
public enum ChangeListenerThread {
    /// Runs `session` on a new thread named `name` until the stream's consumer stops iterating. A session connects,
    /// subscribes, reports `ConfigurationChangeEvent.changed` and its events, and returns once `isStopped()`
    /// (checked at least every 100 ms). When it throws, the first failure of an outage is reported as
    /// `ConfigurationChangeEvent.interrupted(_:)` and a new session starts after `retryDelay`.
    public static func events(
        name: String, retryDelay: Duration,
        session: @escaping @Sendable (_ report: (ConfigurationChangeEvent) -> Void, _ isStopped: () -> Bool) throws(IdentityStorageError) -> Void
    ) -> AsyncStream<ConfigurationChangeEvent> {
        let (events, continuation) = AsyncStream.makeStream(of: ConfigurationChangeEvent.self)
        let stopped = StopFlag()
        continuation.onTermination = { _ in stopped.stop() }
        Thread {
            SystemThread.nameCurrent(name)
            var interrupted = false
            while !stopped.isStopped {
                do throws(IdentityStorageError) {
                    try session({ event in
                        if case .synchronized = event { interrupted = false }
                        continuation.yield(event)
                    }, { stopped.isStopped })
                } catch {
                    if !interrupted, !stopped.isStopped {
                        continuation.yield(.interrupted(error))
                        interrupted = true
                    }
                    let retry = ContinuousClock.now + retryDelay
                    while !stopped.isStopped, ContinuousClock.now < retry { Thread.sleep(forTimeInterval: 0.01) }
                }
            }
            continuation.finish()
        }.start()
        return events
    }
}

/// Set once, when a listener's consumer goes away.
private final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func stop() { flag.store(true, ordering: .releasing) }
    var isStopped: Bool { flag.load(ordering: .acquiring) }
}
