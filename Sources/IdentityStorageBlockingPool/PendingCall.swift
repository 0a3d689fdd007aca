import Foundation
import IdentityStorage
import NIOConcurrencyHelpers
import Synchronization

/// Stops the statement a connection is running, from another thread (`PQcancel`, `sqlite3_interrupt`, `KILL QUERY`).
public protocol StatementInterrupter: Sendable {
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
        /// Waiting for a connection. The continuation is nil while the caller still waits on its own thread
        /// (``BlockingConnectionPool/Configuration/spinBeforeSuspending``).
        case queued(CheckedContinuation<Response, any Error>?)
        case running(CheckedContinuation<Response, any Error>?, interrupt: (@Sendable () -> Void)?, cancelled: Bool)
        /// Answered before its caller suspended: the outcome waits for it.
        case answeredEarly(Result<Response, any Error>)
        case answered
    }

    /// Whether the call only reads, so that cancelling it may stop it midway.
    let interruptible: Bool
    // A pthread mutex, as the pool's state (see `BlockingConnectionPool.state`).
    private let state = NIOLockedValueBox(State.queued(nil))
    /// Set once the call has its outcome: what a caller waiting on its own thread reads without taking the lock.
    private let hasOutcome = Atomic<Bool>(false)

    init(interruptible: Bool) {
        self.interruptible = interruptible
    }

    /// Whether the call has its outcome (the caller's next ``suspend(on:)`` returns at once).
    var isAnswered: Bool { hasOutcome.load(ordering: .acquiring) }

    /// Suspends the caller on `continuation`, or resumes it at once when the call was answered meanwhile.
    func suspend(on continuation: CheckedContinuation<Response, any Error>) {
        let early = state.withLockedValue { state -> Result<Response, any Error>? in
            switch state {
            case .queued(nil):
                state = .queued(continuation)
            case .running(nil, let interrupt, let cancelled):
                state = .running(continuation, interrupt: interrupt, cancelled: cancelled)
            case .answeredEarly(let outcome):
                state = .answered
                return outcome
            case .queued, .running, .answered:
                preconditionFailure("a pool call's caller suspends once")
            }
            return nil
        }
        if let early { continuation.resume(with: early) }
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
        let delivery = state.withLockedValue { state -> (CheckedContinuation<Response, any Error>, Result<Response, any Error>)? in
            guard case .running(let continuation, _, let cancelled) = state else { return nil }
            let outcome: Result<Response, any Error> = cancelled ? .failure(CancellationError()) : result
            return answer(&state, continuation, with: outcome).map { ($0, outcome) }
        }
        if let (continuation, outcome) = delivery { continuation.resume(with: outcome) }
    }

    /// Answers a call that has not started with `error` (acquire timeout, shutdown, no connection); false if it had.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        let (answered, continuation) = state.withLockedValue { state -> (Bool, CheckedContinuation<Response, any Error>?) in
            guard case .queued(let continuation) = state else { return (false, nil) }
            return (true, answer(&state, continuation, with: .failure(error)))
        }
        continuation?.resume(throwing: error)
        return answered
    }

    /// Records `outcome` in `state`: handed to the suspended caller's `continuation` (returned, to be resumed outside
    /// the lock), or kept for a caller that has not suspended yet.
    private func answer(_ state: inout State, _ continuation: CheckedContinuation<Response, any Error>?,
                        with outcome: Result<Response, any Error>) -> CheckedContinuation<Response, any Error>? {
        state = continuation == nil ? .answeredEarly(outcome) : .answered
        hasOutcome.store(true, ordering: .releasing)
        return continuation
    }

    private enum CancelAction {
        case none
        /// The call is answered with `CancellationError`; `leftQueue`: it had not started (the pool drops its job).
        case answered(CheckedContinuation<Response, any Error>?, leftQueue: Bool)
        case interrupt(@Sendable () -> Void)
    }

    /// The caller's task was cancelled. Returns true when the call left the queue (the pool then drops its job).
    func cancel() -> Bool {
        let action = state.withLockedValue { state -> CancelAction in
            switch state {
            case .queued(let continuation):
                return .answered(answer(&state, continuation, with: .failure(CancellationError())), leftQueue: true)
            case .running(let continuation, let interrupt, false) where interruptible:
                guard let interrupt else {
                    // The library cannot stop it: the caller goes now, the connection finishes the read for nobody.
                    return .answered(answer(&state, continuation, with: .failure(CancellationError())), leftQueue: false)
                }
                state = .running(continuation, interrupt: interrupt, cancelled: true)
                return .interrupt(interrupt)
            case .running, .answeredEarly, .answered:
                return .none
            }
        }
        switch action {
        case .none:
            return false
        case .answered(let continuation, let leftQueue):
            continuation?.resume(throwing: CancellationError())
            return leftQueue
        case .interrupt(let interrupt):
            // The interrupt may do network I/O (`PQcancel`): never on the caller's (cooperative) thread.
            Thread { interrupt() }.start()
            return false
        }
    }
}
