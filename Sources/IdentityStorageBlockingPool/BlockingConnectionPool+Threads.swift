import IdentityStorage

/// The pool's threads: how each finds its next call, and runs it with its connection to the call's lane.
extension BlockingConnectionPool {
    enum Next {
        /// A job, with the calls of its batch that run in the same turn.
        case run([PoolJob])
        case park
        case exit
    }

    /// The next queued job that may run now; when there is none, `park` (after counting this thread as parked) or,
    /// once the pool is shutting down, `exit` (threads busy with a lane at its cap take that lane's remaining calls).
    /// `woken`: the thread was just signalled out of parking.
    private func next(parkIfEmpty: Bool, woken: Bool = false) -> Next {
        let cap = configuration.maximumPerLane
        return state.withLockedValue { state in
            if woken { state.wakingWorkers = max(0, state.wakingWorkers - 1) }
            if let jobs = state.takeNext(maximumPerLane: cap) {
                pendingJobs.subtract(jobs.count, ordering: .relaxed)
                return .run(jobs)
            }
            guard state.accepting else { return .exit }
            if parkIfEmpty { state.parkedWorkers += 1 }
            return .park
        }
    }

    /// Waits for the next job: polls briefly if no other thread is polling, then parks. Nil: time to exit.
    private func waitForJob() -> [PoolJob]? {
        let spin = configuration.spinBeforeParking
        if spin > .zero, busyWorkers.load(ordering: .relaxed) == 0,
           polling.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            let until = ContinuousClock.now + spin
            var found: Next = .park
            repeat {
                if pendingJobs.load(ordering: .relaxed) > 0 {
                    found = next(parkIfEmpty: false)
                    if case .park = found { continue }
                    break
                }
            } while busyWorkers.load(ordering: .relaxed) == 0 && ContinuousClock.now < until
            polling.store(false, ordering: .releasing)
            switch found {
            case .run(let jobs): return jobs
            case .exit: return nil
            case .park: break
            }
        }
        var woken = false
        while true {
            switch next(parkIfEmpty: true, woken: woken) {
            case .run(let jobs): return jobs
            case .exit: return nil
            case .park:
                wakeUp.wait()
                woken = true
            }
        }
    }

    /// A thread's connection to one lane, and when it last served a call.
    private struct OpenConnection {
        let connection: any BlockingConnection
        var lastUsed: ContinuousClock.Instant
    }

    func serve() {
        let thread = PoolThread()
        var connections: [Int: OpenConnection] = [:]
        defer {
            for open in connections.values {
                open.connection.close()
                meters.closed(replaced: false)
            }
            finished.signal()
        }
        while let jobs = waitForJob(), let job = jobs.first {
            busyWorkers.add(1, ordering: .relaxed)
            meters.inUse { busyWorkers.load(ordering: .relaxed) }
            meters.waiting { pendingJobs.load(ordering: .relaxed) }
            defer {
                busyWorkers.subtract(1, ordering: .relaxed)
                meters.inUse { busyWorkers.load(ordering: .relaxed) }
                if configuration.maximumPerLane != nil { state.withLockedValue { $0.release(lane: job.lane) } }
            }
            if jobs.count > 1 { meters.waiting { pendingJobs.load(ordering: .relaxed) } }
            let connection: any BlockingConnection
            switch self.connection(toLane: job.lane, in: &connections) {
            case .success(let open):
                connection = open
            case .failure(let failure):
                for job in jobs { _ = job.run(.failure(failure), thread) }
                continue
            }
            thread.begin(job.id)
            let keep = jobs.count == 1 ? job.run(.success(connection), thread) : job.batch!.runTogether(jobs, connection)
            thread.end()
            if keep {
                connections[job.lane]?.lastUsed = .now
            } else {
                connection.close()
                meters.closed(replaced: true)
                connections[job.lane] = nil
            }
        }
    }

    /// This thread's connection to `lane`: health-checked when it has been idle, opened when there is none.
    private func connection(toLane lane: Int, in connections: inout [Int: OpenConnection]) -> Result<any BlockingConnection, IdentityStorageError> {
        let telemetry = configuration.telemetry
        if let current = connections[lane], ContinuousClock.now - current.lastUsed > configuration.healthCheckInterval,
           !current.connection.isHealthy() {
            logger.notice("idle connection failed its health check; opening a new one", metadata: telemetry.metadata)
            current.connection.close()
            meters.closed(replaced: true)
            connections[lane] = nil
        }
        if let current = connections[lane] { return .success(current.connection) }
        do {
            let connection = try connect(lane)
            connections[lane] = OpenConnection(connection: connection, lastUsed: .now)
            meters.opened()
            logger.debug("connection opened", metadata: telemetry.metadata)
            return .success(connection)
        } catch {
            let failure = error as? IdentityStorageError ?? IdentityStorageError(.unavailable, "connecting failed: \(error)")
            logger.info("connecting failed", metadata: telemetry.metadata.merging(["error": .string(failure.description)]) { $1 })
            return .failure(failure)
        }
    }
}
