import Foundation
import IdentityStorage

extension ConformanceSuite {
    static let sessionCases: [ConformanceCase] = sessionCrudCases + sessionFilterCases + sessionClaimCases + sessionQueryCases
    static let cacheCases: [ConformanceCase] = cacheBasicCases + cacheInputCases + cacheExpiryCases + cacheAtomicCases
    static let replayCases: [ConformanceCase] = replayCacheCases
    static let messageCases: [ConformanceCase] = messageStoreCases
    static let throttlingCases: [ConformanceCase] = deviceThrottlingCases
    static let cleanupCases: [ConformanceCase] = cleanupStepCases + cleanupRunnerCases + cleanupRaceCases
}

/// Shared helpers of the session, cache and housekeeping cases.
enum HousekeepingFixtures {
    /// `ctx.now` moved by `seconds`, at storage precision.
    static func at(_ ctx: ConformanceContext, _ seconds: TimeInterval) -> Date {
        ctx.now.addingTimeInterval(seconds).roundedToStoragePrecision
    }

    /// The UTF-8 bytes of `text`.
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A short description of a byte value for failure messages.
    static func show(_ value: [UInt8]?) -> String {
        guard let value else { return "nil" }
        if value.count > 64 { return "\(value.count) bytes" }
        return "\(value.count) bytes \"\(String(decoding: value, as: UTF8.self))\""
    }

    /// The keys of `sessions`, in order, for failure messages and comparisons.
    static func keys(_ sessions: [ServerSideSession]) -> [String] { sessions.map(\.key) }

    /// A session of this case: key `ctx.key(name)`, subject `ctx.key("sub")` unless given.
    static func session(_ ctx: ConformanceContext, _ name: String, subject: String? = nil, sessionId: String? = nil,
                        displayName: String? = nil, expiresIn: TimeInterval? = nil, ticket: String = "ticket-data") -> ServerSideSession {
        ServerSideSession(key: ctx.key(name), scheme: "idsrv", subjectId: subject ?? ctx.key("sub"), sessionId: sessionId,
                          displayName: displayName, created: at(ctx, -120), renewed: at(ctx, -60),
                          expires: expiresIn.map { at(ctx, $0) }, ticket: ticket)
    }

    /// A grant of this case: key `ctx.key(name)`.
    static func grant(_ ctx: ConformanceContext, _ name: String, expiresIn: TimeInterval?, consumedAgo: TimeInterval? = nil,
                      type: String = PersistedGrantType.refreshToken) -> PersistedGrant {
        PersistedGrant(key: ctx.key(name), type: type, subjectId: ctx.key("sub"), sessionId: ctx.key("sid"),
                       clientId: ctx.key("client"), description: "grant \(name)", creationTime: at(ctx, -3600),
                       expiration: expiresIn.map { at(ctx, $0) }, consumedTime: consumedAgo.map { at(ctx, -$0) },
                       data: "{\"grant\":\"\(name)\"}")
    }

    /// A device authorization of this case: codes `ctx.key("dc-" + name)` and `ctx.key("uc-" + name)`.
    static func device(_ ctx: ConformanceContext, _ name: String, expiresIn: TimeInterval) -> DeviceAuthorization {
        DeviceAuthorization(deviceCode: ctx.key("dc-" + name), userCode: ctx.key("uc-" + name), clientId: ctx.key("client"),
                            subjectId: nil, sessionId: nil, description: "device \(name)", creationTime: at(ctx, -600),
                            expiration: at(ctx, expiresIn), data: "{\"device\":\"\(name)\"}")
    }

    /// The clock a `CleanupRunner` of this case should use: the stores' clock, or real time.
    static func runnerClock(_ ctx: ConformanceContext) -> any WallClock {
        ctx.hasInjectableClock ? ctx.clock : SystemWallClock()
    }

    /// Claims expired sessions until none is left.
    static func drainSessions(_ ctx: ConformanceContext) async throws {
        var rounds = 0
        while try await !ctx.stores.sessions.claimExpiredSessions(limit: 500).isEmpty {
            rounds += 1
            try expect(rounds < 1000, "claimExpiredSessions never ran dry while draining")
        }
    }

    /// Removes every expired row (and, with an isolated clock, every consumed one) so a cleanup case counts only its own rows.
    static func drainCleanup(_ ctx: ConformanceContext) async throws {
        let store = ctx.stores.cleanup
        func loop(_ what: String, _ step: () async throws -> Int) async throws {
            var rounds = 0
            while try await step() > 0 {
                rounds += 1
                try expect(rounds < 1000, "\(what) never ran dry while draining")
            }
        }
        try await loop("removeExpiredGrants") { try await store.removeExpiredGrants(limit: 500).count }
        if ctx.hasInjectableClock {
            // Only rows consumed before this case's private epoch: other cases' consumed grants are left alone.
            let now = ctx.now
            try await loop("removeConsumedGrants") { try await store.removeConsumedGrants(consumedBefore: now, limit: 500).count }
        }
        try await loop("removeExpiredDeviceAuthorizations") { try await store.removeExpiredDeviceAuthorizations(limit: 500).count }
        try await loop("removeExpiredPushedAuthorizationRequests") { try await store.removeExpiredPushedAuthorizationRequests(limit: 500) }
        try await loop("removeExpiredBackchannelRequests") { try await store.removeExpiredBackchannelRequests(limit: 500) }
        try await loop("removeExpiredCacheEntries") { try await store.removeExpiredCacheEntries(limit: 500) }
        try await drainSessions(ctx)
    }

    /// Keys that occur more than once in `keys`.
    static func duplicates(_ keys: [String]) -> [String] {
        var seen = Set<ExactString>(), twice: [String] = []
        for key in keys where !seen.insert(ExactString(key)).inserted { twice.append(key) }
        return twice
    }
}

/// Collects what concurrent code reports (observer callbacks, per-call results).
actor HousekeepingRecorder<Item: Sendable> {
    private(set) var batches: [[Item]] = []

    func record(_ batch: [Item]) { batches.append(batch) }

    var all: [Item] { batches.flatMap { $0 } }
}
