import Metrics
import Foundation
import Logging

/// One cleanup pass over every operational store, in upstream's order (§3.2), in bounded batches.
///
/// Safe to run on several instances at once: each batch reports only what it deleted.
/// Expired server-side sessions are claimed too when ``sessions`` is set (upstream runs them in a
/// separate host); the observer receives them so the caller can send back-channel logouts.
/// Batches are paced (``Configuration/pace``) so that the backend's other callers are not starved.
///
/// Each pass is logged (debug: rows per kind, duration) and counted: `identitystorage_cleanup_rows_removed` (counter,
/// dimension `kind`), `identitystorage_cleanup_duration` (timer) and `identitystorage_cleanup_runs` (counter, dimension
/// `outcome`: `ok`, `stopped` or an error code).
public struct CleanupRunner: Sendable {
    /// What a pass does.
    public struct Configuration: Sendable, Hashable {
        /// Rows per batch; at least 1. Default 100, as upstream.
        public var batchSize: Int = 100
        /// Also delete consumed grants. Default false, as upstream.
        public var removeConsumedGrants: Bool = false
        /// Consumed grants are deleted only once consumed longer ago than this (seconds). Default 0.
        public var consumedGrantCleanupDelay: TimeInterval = 0
        /// The longest ``RefreshTokenRotationPolicy/gracePeriod`` of the refresh-token rotations in use (seconds). A
        /// consumed refresh token must outlive its grace period: removed earlier, a retry within grace would find nothing
        /// (`invalid_grant` instead of tokens) and a replay could no longer revoke its family. With
        /// ``removeConsumedGrants``, ``consumedGrantCleanupDelay`` must be at least this: ``validate()`` checks it and a
        /// pass refuses to run otherwise. Default 0.
        public var refreshTokenGracePeriod: TimeInterval = 0
        /// The pause between batches. Default: ``CleanupPace/default``.
        public var pace: CleanupPace = .default

        /// Settings with the given values; each defaults as its property states.
        public init(batchSize: Int = 100, removeConsumedGrants: Bool = false, consumedGrantCleanupDelay: TimeInterval = 0,
                    refreshTokenGracePeriod: TimeInterval = 0, pace: CleanupPace = .default) {
            self.batchSize = batchSize
            self.removeConsumedGrants = removeConsumedGrants
            self.consumedGrantCleanupDelay = consumedGrantCleanupDelay
            self.refreshTokenGracePeriod = refreshTokenGracePeriod
            self.pace = pace
        }

        /// Throws ``IdentityStorageError/Code-swift.struct/invalidArgument`` for a batch size below 1, or consumed grants
        /// removed before the refresh-token grace period is over.
        public func validate() throws(IdentityStorageError) {
            try FieldValidation.positive(batchSize, "cleanup batch size")
            if removeConsumedGrants, !(consumedGrantCleanupDelay >= refreshTokenGracePeriod) {
                throw .invalidArgument("consumedGrantCleanupDelay (\(consumedGrantCleanupDelay) s) must be at least the refresh-token grace "
                                       + "period (\(refreshTokenGracePeriod) s): consumed refresh tokens are needed until it is over")
            }
        }
    }

    /// What a pass removed.
    public struct Report: Sendable, Hashable {
        /// Expired grants removed.
        public var expiredGrants = 0
        /// Consumed grants removed (with ``Configuration/removeConsumedGrants``).
        public var consumedGrants = 0
        /// Expired device authorizations removed.
        public var deviceAuthorizations = 0
        /// Expired pushed authorization requests removed.
        public var pushedAuthorizationRequests = 0
        /// Expired CIBA requests removed.
        public var backchannelRequests = 0
        /// Expired distributed-cache entries removed.
        public var cacheEntries = 0
        /// Expired server-side sessions claimed.
        public var sessions = 0
        /// How many batches were deleted (calls that removed at least one row).
        public var batches = 0
        /// Whether the pass ended early because a stop was requested (the batch in flight was finished).
        public var stopped = false
        /// How long the pass took, pauses included.
        public var duration: Duration = .zero

        /// A report of nothing removed.
        public init() {}

        /// All rows removed.
        public var total: Int {
            expiredGrants + consumedGrants + deviceAuthorizations + pushedAuthorizationRequests + backchannelRequests + cacheEntries + sessions
        }

        /// Reports are equal when they removed the same rows in the same batches; their durations are not compared.
        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.counts == rhs.counts
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(counts)
        }

        private var counts: [Int] {
            [expiredGrants, consumedGrants, deviceAuthorizations, pushedAuthorizationRequests, backchannelRequests, cacheEntries, sessions,
             batches, stopped ? 1 : 0]
        }
    }

    /// Receives what each batch removed (upstream's `IOperationalStoreNotification`), e.g. to log or notify.
    public struct Observer: Sendable {
        /// Called with the grants each batch removed.
        public var grantsRemoved: @Sendable ([PersistedGrant]) async -> Void
        /// Called with the device authorizations each batch removed.
        public var deviceAuthorizationsRemoved: @Sendable ([DeviceAuthorization]) async -> Void
        /// Called with the sessions each batch claimed (to send back-channel logouts, for instance).
        public var sessionsRemoved: @Sendable ([ServerSideSession]) async -> Void
        /// Called after every batch with the running report, for progress lines.
        public var progress: @Sendable (Report) async -> Void
        /// Called when a pass has finished (or stopped) with its report.
        public var passFinished: @Sendable (Report) async -> Void

        /// An observer calling the given closures; each one left out does nothing.
        public init(grantsRemoved: @escaping @Sendable ([PersistedGrant]) async -> Void = { _ in },
                    deviceAuthorizationsRemoved: @escaping @Sendable ([DeviceAuthorization]) async -> Void = { _ in },
                    sessionsRemoved: @escaping @Sendable ([ServerSideSession]) async -> Void = { _ in },
                    progress: @escaping @Sendable (Report) async -> Void = { _ in },
                    passFinished: @escaping @Sendable (Report) async -> Void = { _ in }) {
            self.grantsRemoved = grantsRemoved
            self.deviceAuthorizationsRemoved = deviceAuthorizationsRemoved
            self.sessionsRemoved = sessionsRemoved
            self.progress = progress
            self.passFinished = passFinished
        }
    }

    /// The cleanup of the stores to clean.
    public var store: any CleanupStore
    /// When set, expired sessions are claimed as the last step.
    public var sessions: (any ServerSideSessionStore)?
    /// The clock that decides what has expired.
    public var clock: any WallClock
    /// What each pass removes and how fast.
    public var configuration: Configuration
    /// Where passes are logged and counted.
    public var observability: StoreObservability

    /// A runner cleaning `store` (and claiming expired sessions from `sessions`, when given) as `configuration` says.
    public init(store: any CleanupStore, sessions: (any ServerSideSessionStore)? = nil, clock: any WallClock = SystemWallClock(),
                configuration: Configuration = Configuration(), observability: StoreObservability = StoreObservability()) {
        self.store = store
        self.sessions = sessions
        self.clock = clock
        self.configuration = configuration
        self.observability = observability
    }

    /// A runner over every store of `stores`, sessions included.
    public init(stores: IdentityStores, clock: any WallClock = SystemWallClock(), configuration: Configuration = Configuration(),
                observability: StoreObservability = StoreObservability()) {
        self.init(store: stores.cleanup, sessions: stores.sessions, clock: clock, configuration: configuration, observability: observability)
    }

    /// Runs one pass. A batch smaller than the batch size ends each step, so rows inserted during
    /// the pass may cause extra batches, as upstream. `stopRequested` is asked before each batch: when it says
    /// true, the pass ends there with ``Report/stopped`` set (a graceful shutdown waits for one batch at most).
    /// Cancelling the pass's task stops it the same way: the batch in flight runs to its end and is counted (its rows
    /// are gone, cancelled or not), and the pass returns its report with ``Report/stopped`` set.
    public func run(observer: Observer = Observer(), until stopRequested: @Sendable () -> Bool = { false }) async throws -> Report {
        let started = ContinuousClock.now
        do {
            var report = try await pass(observer: observer, until: stopRequested)
            report.duration = ContinuousClock.now - started
            record(report, outcome: report.stopped ? "stopped" : "ok")
            await observer.passFinished(report)
            return report
        } catch {
            record(Report(), outcome: error.telemetryOutcome, duration: ContinuousClock.now - started)
            throw error
        }
    }

    private struct Stop: Error {}

    private func pass(observer: Observer, until stopRequested: @Sendable () -> Bool) async throws -> Report {
        let limit = configuration.batchSize
        try configuration.validate()
        var report = Report()
        let pace = configuration.pace

        func loop(_ step: () async throws -> Int, _ record: (inout Report, Int) -> Void) async throws {
            while true {
                if stopRequested() || Task.isCancelled { throw Stop() }
                let batchStarted = ContinuousClock.now
                let removed = try await step()
                if removed > 0 {
                    record(&report, removed)
                    report.batches += 1
                    await observer.progress(report)
                }
                if removed < limit { return }
                let pause = pace.pause(afterBatchOf: removed, took: ContinuousClock.now - batchStarted)
                if pause > .zero {
                    // Only cancellation ends the pause early: the pass stops there.
                    do { try await Task.sleep(for: pause) } catch { throw Stop() }
                }
            }
        }
        do {
            try await steps(loop, observer: observer, limit: limit)
        } catch is Stop {
            report.stopped = true
        } catch is CancellationError where Task.isCancelled {
            // Cancelled between the check and the start of a batch, which then did not start.
            report.stopped = true
        }
        return report
    }

    /// The steps of a pass. Each batch is a ``wholeBatch(_:)``: once started it runs to its end and is counted, even if
    /// the pass is cancelled meanwhile (an adapter's batch may take several server calls, and a call abandoned halfway
    /// would leave rows removed by the earlier ones unreported).
    private func steps(_ loop: (() async throws -> Int, (inout Report, Int) -> Void) async throws -> Void, observer: Observer,
                       limit: Int) async throws {
        let store = store
        try await loop({
            let grants = try await wholeBatch { try await store.removeExpiredGrants(limit: limit) }
            if !grants.isEmpty { await observer.grantsRemoved(grants) }
            return grants.count
        }, { $0.expiredGrants += $1 })

        if configuration.removeConsumedGrants {
            // Computed once per pass, as upstream.
            let threshold = clock.now.addingTimeInterval(-configuration.consumedGrantCleanupDelay)
            try await loop({
                let grants = try await wholeBatch { try await store.removeConsumedGrants(consumedBefore: threshold, limit: limit) }
                if !grants.isEmpty { await observer.grantsRemoved(grants) }
                return grants.count
            }, { $0.consumedGrants += $1 })
        }

        try await loop({
            let codes = try await wholeBatch { try await store.removeExpiredDeviceAuthorizations(limit: limit) }
            if !codes.isEmpty { await observer.deviceAuthorizationsRemoved(codes) }
            return codes.count
        }, { $0.deviceAuthorizations += $1 })

        try await loop({ try await wholeBatch { try await store.removeExpiredPushedAuthorizationRequests(limit: limit) } },
                       { $0.pushedAuthorizationRequests += $1 })
        try await loop({ try await wholeBatch { try await store.removeExpiredBackchannelRequests(limit: limit) } },
                       { $0.backchannelRequests += $1 })
        try await loop({ try await wholeBatch { try await store.removeExpiredCacheEntries(limit: limit) } }, { $0.cacheEntries += $1 })
        if let sessions {
            try await loop({
                let claimed = try await wholeBatch { try await sessions.claimExpiredSessions(limit: limit) }
                if !claimed.isEmpty { await observer.sessionsRemoved(claimed) }
                return claimed.count
            }, { $0.sessions += $1 })
        }
    }
}
