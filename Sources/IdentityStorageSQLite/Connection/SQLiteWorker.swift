import Foundation
import Synchronization

/// A dedicated thread that owns one ``SQLiteConnection`` and runs jobs on it one at a time.
///
/// Why a thread per connection: SQLite calls block (disk I/O, the busy timeout while another
/// process writes), and blocking calls must never run on Swift's cooperative pool (two threads here).
/// The connection is created on the thread and never leaves it, so it needs no lock of its own.
final class SQLiteWorker: Sendable {
    typealias Job = @Sendable (SQLiteConnection) -> Void

    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let wakeUp = DispatchSemaphore(value: 0)
    let name: String

    private init(name: String) {
        self.name = name
    }

    /// Starts the thread and opens its connection there; throws what opening threw.
    static func start(name: String, open: @escaping @Sendable () throws -> SQLiteConnection) async throws -> SQLiteWorker {
        let worker = SQLiteWorker(name: name)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                let connection: SQLiteConnection
                do {
                    connection = try open()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume()
                worker.serve(connection)
            }
            thread.name = name
            thread.start()
        }
        return worker
    }

    /// Runs `body` on the worker's thread with its connection and returns the result.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = enqueue { connection in
                continuation.resume(with: Result { try body(connection) })
            }
            if !accepted {
                continuation.resume(throwing: SQLiteErrors.closed)
            }
        }
    }

    /// Finishes queued jobs, closes the connection and ends the thread.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = enqueue { connection in
                connection.close()
                continuation.resume()
            }
            queue.withLock { $0.stopped = true }
            if !accepted { continuation.resume() }
        }
    }

    private func enqueue(_ job: @escaping Job) -> Bool {
        let accepted = queue.withLock { queue in
            guard !queue.stopped else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted { wakeUp.signal() }
        return accepted
    }

    private func serve(_ connection: SQLiteConnection) {
        while true {
            wakeUp.wait()
            let next: (job: Job?, finished: Bool) = queue.withLock { queue in
                guard queue.head < queue.jobs.count else { return (nil, queue.stopped) }
                let job = queue.jobs[queue.head]
                queue.head += 1
                if queue.head > 64, queue.head * 2 > queue.jobs.count {
                    queue.jobs.removeFirst(queue.head)
                    queue.head = 0
                }
                return (job, false)
            }
            guard let job = next.job else {
                if next.finished { return }
                continue
            }
            job(connection)
            if connection.isClosed { return }
        }
    }
}
