import Foundation
import IdentityStorage
import NIOConcurrencyHelpers

/// Stops the statement a connection is running, from another thread (`PQcancel`, `sqlite3_interrupt`, `KILL QUERY`).
package protocol StatementInterrupter: Sendable {
    /// Asks the connection's library or server to stop the running statement; it then fails with an error.
    /// Called on a thread of its own, never while the connection's thread has moved on to another call.
    func interrupt()
}

/// One caller of a pool, from the moment it asks until it is answered, answered exactly once: by the connection's
/// thread with its outcome, by the acquire-timeout sweep, or by the cancellation of its task.
///
/// Cancellation follows what the call has done: a call still queued leaves the queue at once with
/// `CancellationError`. A running call that only reads (``interruptible``) is interrupted where the connection's
/// library can and answered with `CancellationError` when it stops, or answered at once and its result discarded
/// when it cannot; a running call that may write runs to the end and its caller gets its outcome, so that a one-time
/// artefact a write removed (a taken grant) is never lost unreported.
final class PendingCall<Response: Sendable>: Sendable {
    private enum State {
        /// Created, the caller not yet suspended.
        case new
        case queued(CheckedContinuation<Response, any Error>)
        case running(CheckedContinuation<Response, any Error>, interrupt: (@Sendable () -> Void)?, cancelled: Bool)
        case answered
    }

    /// Whether the call only reads, so that cancelling it may stop it midway.
    let interruptible: Bool
    // A pthread mutex, as the pool's state (see `BlockingConnectionPool.state`).
    private let state = NIOLockedValueBox(State.new)

    init(interruptible: Bool) {
        self.interruptible = interruptible
    }

    /// Suspends the caller on `continuation`; false (and `CancellationError` for the caller) when its task was
    /// cancelled before.
    func suspend(on continuation: CheckedContinuation<Response, any Error>) -> Bool {
        let admitted = state.withLockedValue { state -> Bool in
            guard case .new = state else { return false }
            state = .queued(continuation)
            return true
        }
        if !admitted { continuation.resume(throwing: CancellationError()) }
        return admitted
    }

    /// A connection's thread takes the call; false when it was answered meanwhile (timed out, cancelled).
    /// `interrupt` stops the call's statement, for an interruptible call.
    func start(interrupt: (@Sendable () -> Void)?) -> Bool {
        state.withLockedValue { state in
            guard case .queued(let continuation) = state else { return false }
            state = .running(continuation, interrupt: interruptible ? interrupt : nil, cancelled: false)
            return true
        }
    }

    /// The outcome of a started call: answered as it is, unless an interruptible call was cancelled meanwhile.
    func finish(_ result: Result<Response, any Error>) {
        let continuation = state.withLockedValue { state -> (CheckedContinuation<Response, any Error>, Bool)? in
            guard case .running(let continuation, _, let cancelled) = state else { return nil }
            state = .answered
            return (continuation, cancelled)
        }
        guard let (continuation, cancelled) = continuation else { return }
        continuation.resume(with: cancelled ? .failure(CancellationError()) : result)
    }

    /// Answers a call that has not started with `error` (acquire timeout, shutdown, no connection); false if it had.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        let continuation = state.withLockedValue { state -> CheckedContinuation<Response, any Error>? in
            guard case .queued(let continuation) = state else { return nil }
            state = .answered
            return continuation
        }
        continuation?.resume(throwing: error)
        return continuation != nil
    }

    private enum CancelAction {
        case none
        case leftQueue(CheckedContinuation<Response, any Error>)
        case abandon(CheckedContinuation<Response, any Error>)
        case interrupt(@Sendable () -> Void)
    }

    /// The caller's task was cancelled. Returns true when the call left the queue (the pool then drops its job).
    func cancel() -> Bool {
        let action = state.withLockedValue { state -> CancelAction in
            switch state {
            case .new:
                state = .answered
                return .none
            case .queued(let continuation):
                state = .answered
                return .leftQueue(continuation)
            case .running(let continuation, let interrupt, false) where interruptible:
                guard let interrupt else {
                    // The library cannot stop it: the caller goes now, the connection finishes the read for nobody.
                    state = .answered
                    return .abandon(continuation)
                }
                state = .running(continuation, interrupt: interrupt, cancelled: true)
                return .interrupt(interrupt)
            case .running, .answered:
                return .none
            }
        }
        switch action {
        case .none:
            return false
        case .leftQueue(let continuation):
            continuation.resume(throwing: CancellationError())
            return true
        case .abandon(let continuation):
            continuation.resume(throwing: CancellationError())
            return false
        case .interrupt(let interrupt):
            // The interrupt may do network I/O (`PQcancel`): never on the caller's (cooperative) thread.
            Thread { interrupt() }.start()
            return false
        }
    }
}
