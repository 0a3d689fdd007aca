import Foundation
import IdentityStorage

private typealias F = HousekeepingFixtures

// Every cleanup case first moves to a private epoch (`useIsolatedEpoch`) and drains what is already
// expired there, so the counts it checks are its own rows.

extension ConformanceSuite {
    // MARK: the batch primitives, one step at a time

    static let cleanupStepCases: [ConformanceCase] = [
        ConformanceCase("cleanup.grants.expired-removed") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let expired = (0..<5).map { F.grant(ctx, "g\($0)", expiresIn: -Double(10 + $0)) }
            for grant in expired { try await ctx.stores.grants.storeGrant(grant) }
            let report = try await cleanupRunner(ctx).run()
            var expected = CleanupRunner.Report()
            expected.expiredGrants = 5
            expected.batches = 1
            try expectEqual(report, expected, "report")
            for grant in expired {
                try expectNil(try await ctx.stores.grants.grant(forKey: grant.key), "expired grant \(grant.key) after cleanup")
            }
        },

        ConformanceCase("cleanup.grants.valid-kept") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let valid = (0..<3).map { F.grant(ctx, "g\($0)", expiresIn: 60 + Double($0)) }
            for grant in valid { try await ctx.stores.grants.storeGrant(grant) }
            let report = try await cleanupRunner(ctx).run()
            try expectEqual(report, CleanupRunner.Report(), "report")
            for grant in valid {
                try expectEqual(try await ctx.stores.grants.grant(forKey: grant.key), grant, "valid grant after cleanup")
            }
        },

        ConformanceCase("cleanup.grants.expired-and-valid") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let expired = [F.grant(ctx, "e1", expiresIn: -1), F.grant(ctx, "e2", expiresIn: -3600)]
            let valid = [F.grant(ctx, "v1", expiresIn: 1), F.grant(ctx, "v2", expiresIn: 3600)]
            for grant in expired + valid { try await ctx.stores.grants.storeGrant(grant) }
            let removed = try await ctx.stores.cleanup.removeExpiredGrants(limit: 10)
            try expectEqual(removed, [expired[1], expired[0]], "grants removed (only the expired, oldest first, whole)")
            try expectEqual(try await ctx.stores.cleanup.removeExpiredGrants(limit: 10), [], "second call")
            for grant in expired { try expectNil(try await ctx.stores.grants.grant(forKey: grant.key), "expired grant \(grant.key)") }
            for grant in valid { try expectEqual(try await ctx.stores.grants.grant(forKey: grant.key), grant, "valid grant \(grant.key)") }
        },

        ConformanceCase("cleanup.grants.no-expiration-kept") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let consent = F.grant(ctx, "consent", expiresIn: nil, type: PersistedGrantType.userConsent)
            try await ctx.stores.grants.storeGrant(consent)
            try await ctx.advance(by: 0.2)
            let report = try await cleanupRunner(ctx).run()
            try expectEqual(report.expiredGrants, 0, "expired grants removed")
            try expectEqual(try await ctx.stores.grants.grant(forKey: consent.key), consent, "grant without expiration after cleanup")
        },

        ConformanceCase("cleanup.grants.oldest-first-limit") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let ages: [Double] = [30, 10, 50, 20, 40]
            for (index, age) in ages.enumerated() { try await ctx.stores.grants.storeGrant(F.grant(ctx, "g\(index)", expiresIn: -age)) }
            let first = try await ctx.stores.cleanup.removeExpiredGrants(limit: 2)
            try expectEqual(first.map(\.key), [ctx.key("g2"), ctx.key("g4")], "first batch of 2: the oldest expirations")
            let second = try await ctx.stores.cleanup.removeExpiredGrants(limit: 2)
            try expectEqual(second.map(\.key), [ctx.key("g0"), ctx.key("g3")], "second batch of 2")
            let third = try await ctx.stores.cleanup.removeExpiredGrants(limit: 2)
            try expectEqual(third.map(\.key), [ctx.key("g1")], "third batch")
        },

        ConformanceCase("cleanup.consumed.removed-after-delay") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let old = F.grant(ctx, "old", expiresIn: 3 * 86_400, consumedAgo: 200)
            let fresh = F.grant(ctx, "fresh", expiresIn: 3 * 86_400, consumedAgo: 0)
            let unconsumed = F.grant(ctx, "unconsumed", expiresIn: 3 * 86_400)
            for grant in [old, fresh, unconsumed] { try await ctx.stores.grants.storeGrant(grant) }
            let configuration = CleanupRunner.Configuration(batchSize: 100, removeConsumedGrants: true, consumedGrantCleanupDelay: 100)
            let removed = HousekeepingRecorder<PersistedGrant>()
            let report = try await cleanupRunner(ctx, configuration).run(observer: CleanupRunner.Observer(grantsRemoved: { await removed.record($0) }))
            var expected = CleanupRunner.Report()
            expected.consumedGrants = 1
            expected.batches = 1
            try expectEqual(report, expected, "report")
            try expectEqual(await removed.batches, [[old]], "grants reported to the observer")
            try expectNil(try await ctx.stores.grants.grant(forKey: old.key), "grant consumed 200 s ago (delay 100 s)")
            try expectEqual(try await ctx.stores.grants.grant(forKey: fresh.key), fresh, "grant consumed just now")
            try expectEqual(try await ctx.stores.grants.grant(forKey: unconsumed.key), unconsumed, "unconsumed grant")
        },

        ConformanceCase("cleanup.consumed.kept-when-off") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let old = F.grant(ctx, "old", expiresIn: 3 * 86_400, consumedAgo: 900)
            try await ctx.stores.grants.storeGrant(old)
            let report = try await cleanupRunner(ctx, CleanupRunner.Configuration(removeConsumedGrants: false)).run()
            try expectEqual(report, CleanupRunner.Report(), "report")
            try expectEqual(try await ctx.stores.grants.grant(forKey: old.key), old, "consumed grant with removeConsumedGrants off")
        },

        ConformanceCase("cleanup.consumed.threshold-strict") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            // One base instant for the consumption times and the threshold (real time moves between reads of ctx.now).
            let base = ctx.now
            let grants = [("c150", 150.0), ("c300", 300), ("c100", 100), ("c50", 50)].map { name, ago in
                var grant = F.grant(ctx, name, expiresIn: 3600)
                grant.consumedTime = base.addingTimeInterval(-ago).roundedToStoragePrecision
                return grant
            }
            for grant in grants { try await ctx.stores.grants.storeGrant(grant) }
            let threshold = base.addingTimeInterval(-100).roundedToStoragePrecision
            let removed = try await ctx.stores.cleanup.removeConsumedGrants(consumedBefore: threshold, limit: 10)
            try expectEqual(removed, [grants[1], grants[0]], "grants consumed before the threshold, oldest consumption first")
            try expectEqual(try await ctx.stores.grants.grant(forKey: grants[2].key), grants[2], "grant consumed exactly at the threshold")
            try expectEqual(try await ctx.stores.grants.grant(forKey: grants[3].key), grants[3], "grant consumed after the threshold")
        },

        ConformanceCase("cleanup.device.expired-removed-live-kept") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let expired = [F.device(ctx, "e1", expiresIn: -5), F.device(ctx, "e2", expiresIn: -50), F.device(ctx, "e3", expiresIn: -1)]
            let live = [F.device(ctx, "l1", expiresIn: 5), F.device(ctx, "l2", expiresIn: 300)]
            for device in expired + live { try await ctx.stores.deviceFlow.storeDeviceAuthorization(device) }
            let removed = HousekeepingRecorder<DeviceAuthorization>()
            let report = try await cleanupRunner(ctx).run(observer: CleanupRunner.Observer(deviceAuthorizationsRemoved: { await removed.record($0) }))
            var expected = CleanupRunner.Report()
            expected.deviceAuthorizations = 3
            expected.batches = 1
            try expectEqual(report, expected, "report")
            try expectEqual(await removed.batches, [[expired[1], expired[0], expired[2]]], "device authorizations reported (oldest first)")
            for device in expired {
                try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: device.deviceCode), "expired \(device.deviceCode) by device code")
                try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: device.userCode), "expired \(device.userCode) by user code")
            }
            for device in live {
                try expectEqual(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: device.deviceCode), device, "live \(device.deviceCode)")
                try expectEqual(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: device.userCode), device, "live \(device.userCode)")
            }
        },

        ConformanceCase("cleanup.par.expired-removed-live-kept") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let expired = (0..<3).map { PushedAuthorizationRequest(referenceValueHash: ctx.key("e\($0)"), expiresAt: F.at(ctx, -Double($0 + 1)), parameters: "p\($0)") }
            let live = (0..<2).map { PushedAuthorizationRequest(referenceValueHash: ctx.key("l\($0)"), expiresAt: F.at(ctx, 60), parameters: "p\($0)") }
            for request in expired + live { try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(request) }
            let report = try await cleanupRunner(ctx).run()
            var expected = CleanupRunner.Report()
            expected.pushedAuthorizationRequests = 3
            expected.batches = 1
            try expectEqual(report, expected, "report")
            for request in expired {
                try expectNil(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                              "expired request \(request.referenceValueHash)")
            }
            for request in live {
                try expectEqual(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                                request, "live request \(request.referenceValueHash)")
            }
        },

        ConformanceCase("cleanup.ciba.expired-removed-live-kept") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            func request(_ name: String, createdAgo: TimeInterval, lifetime: Int) -> BackchannelAuthenticationRequest {
                BackchannelAuthenticationRequest(internalId: ctx.key(name), creationTime: F.at(ctx, -createdAgo), lifetime: lifetime,
                                                 clientId: ctx.key("client"), subjectId: ctx.key("sub"), requestedScopes: ["openid"])
            }
            // Expiry is creation time plus lifetime: an old request with a long lifetime is live.
            let expired = [request("e1", createdAgo: 100, lifetime: 60), request("e2", createdAgo: 400, lifetime: 300)]
            let live = [request("l1", createdAgo: 100, lifetime: 300), request("l2", createdAgo: 0, lifetime: 60)]
            for item in expired + live { try await ctx.stores.backchannelRequests.storeBackchannelRequest(item) }
            let report = try await cleanupRunner(ctx).run()
            var expected = CleanupRunner.Report()
            expected.backchannelRequests = 2
            expected.batches = 1
            try expectEqual(report, expected, "report")
            for item in expired {
                try expectNil(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: item.internalId), "expired request \(item.internalId)")
            }
            for item in live {
                try expectEqual(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: item.internalId), item, "live request \(item.internalId)")
            }
        },

        ConformanceCase("cleanup.cache.expired-removed-live-kept") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let cache = ctx.stores.cache
            try await cache.set(ctx.key("relative"), value: F.bytes("r"), options: .relative(0.3))
            try await cache.set(ctx.key("absolute"), value: F.bytes("a"), options: .absolute(F.at(ctx, 0.3)))
            try await cache.set(ctx.key("sliding"), value: F.bytes("s"), options: .sliding(0.3))
            try await cache.set(ctx.key("live"), value: F.bytes("l"), options: .relative(60))
            try await cache.set(ctx.key("forever"), value: F.bytes("f"), options: .none)
            try await ctx.advance(by: 0.5)
            var removed = 0
            while true {
                let count = try await ctx.stores.cleanup.removeExpiredCacheEntries(limit: 2)
                try expect(count <= 2, "removeExpiredCacheEntries(limit: 2) removed \(count)")
                if count == 0 { break }
                removed += count
            }
            // Backends whose server expires entries itself (no injectable clock) may have nothing left to remove.
            if ctx.hasInjectableClock { try expectEqual(removed, 3, "expired cache entries removed") }
            for name in ["relative", "absolute", "sliding"] {
                try expectNil(try await cache.get(ctx.key(name)), "expired entry '\(name)'")
                try expectEqual(try await cache.add(ctx.key(name), value: F.bytes("new"), options: .none), true, "add over removed entry '\(name)'")
            }
            try expectEqual(try await cache.get(ctx.key("live")), F.bytes("l"), "live entry")
            try expectEqual(try await cache.get(ctx.key("forever")), F.bytes("f"), "entry without expiration")
        },

        ConformanceCase("cleanup.batch-size.invalid") { ctx in
            for size in [0, -1] {
                try await expectError(.invalidArgument, "CleanupRunner with batch size \(size)") {
                    try await cleanupRunner(ctx, CleanupRunner.Configuration(batchSize: size)).run()
                }
            }
        },
    ]

    // MARK: whole passes

    static let cleanupRunnerCases: [ConformanceCase] = [
        ConformanceCase("cleanup.run.nothing-to-do") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let progress = HousekeepingRecorder<CleanupRunner.Report>()
            let report = try await CleanupRunner(stores: ctx.stores, clock: F.runnerClock(ctx),
                                                 configuration: CleanupRunner.Configuration(removeConsumedGrants: true))
                .run(observer: CleanupRunner.Observer(progress: { await progress.record([$0]) }))
            try expectEqual(report, CleanupRunner.Report(), "report of a pass with nothing expired")
            try expectEqual(await progress.batches.count, 0, "progress callbacks")
        },

        ConformanceCase("cleanup.run.batch-size-respected") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            var all = Set<String>()
            for index in 0..<100 {
                let grant = F.grant(ctx, "g\(index)", expiresIn: -Double(1 + index % 17))
                try await ctx.stores.grants.storeGrant(grant)
                all.insert(grant.key)
            }
            let calls = HousekeepingRecorder<Int>()
            let store = ctx.stores.cleanup.replacing(grants: RecordingGrantCleanup(base: ctx.stores.cleanup, calls: calls))
            let removed = HousekeepingRecorder<PersistedGrant>()
            let runner = CleanupRunner(store: store, clock: F.runnerClock(ctx), configuration: CleanupRunner.Configuration(batchSize: 20))
            let report = try await runner.run(observer: CleanupRunner.Observer(grantsRemoved: { await removed.record($0) }))
            var expected = CleanupRunner.Report()
            expected.expiredGrants = 100
            expected.batches = 5
            try expectEqual(report, expected, "report of 100 expired grants in batches of 20")
            try expectEqual(await removed.batches.map(\.count), [20, 20, 20, 20, 20], "sizes of the batches reported to the observer")
            try expectEqual(await calls.all.filter { $0 > 20 }, [], "removeExpiredGrants calls that returned more than the limit")
            let keys = await removed.all.map(\.key)
            try expectEqual(F.duplicates(keys), [], "grants reported twice")
            try expect(Set(keys) == all, "reported grants differ from the expired ones")
        },

        ConformanceCase("cleanup.run.inserts-during-pass") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            for index in 0..<100 { try await ctx.stores.grants.storeGrant(F.grant(ctx, "g\(index)", expiresIn: -10)) }
            let removed = HousekeepingRecorder<PersistedGrant>()
            let failures = HousekeepingRecorder<String>()
            let counter = HousekeepingRecorder<Int>()
            let observer = CleanupRunner.Observer(grantsRemoved: { batch in
                await removed.record(batch)
                // Upstream's test: one new expired grant per batch ⇒ an extra batch at the end.
                await counter.record([1])
                let index = await counter.batches.count
                do {
                    try await ctx.stores.grants.storeGrant(F.grant(ctx, "extra\(index)", expiresIn: -5))
                } catch {
                    await failures.record(["\(error)"])
                }
            })
            let report = try await cleanupRunner(ctx, CleanupRunner.Configuration(batchSize: 20)).run(observer: observer)
            try expectEqual(await failures.all, [], "errors storing grants from the observer")
            try expectEqual(await removed.batches.map(\.count), [20, 20, 20, 20, 20, 5], "batch sizes with one insert per batch")
            try expectEqual(report.expiredGrants, 105, "expired grants removed")
            try expectEqual(report.batches, 6, "batches")
            try expect(try await ctx.stores.grants.grant(forKey: ctx.key("extra6")) != nil, "the grant inserted after the last batch is left")
        },

        ConformanceCase("cleanup.run.sessions-claimed") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let expired = [F.session(ctx, "e1", expiresIn: -20), F.session(ctx, "e2", expiresIn: -10)]
            let kept = [F.session(ctx, "n1", expiresIn: nil), F.session(ctx, "f1", expiresIn: 60)]
            for session in expired + kept { try await ctx.stores.sessions.createSession(session) }
            let claimed = HousekeepingRecorder<ServerSideSession>()
            let report = try await CleanupRunner(stores: ctx.stores, clock: F.runnerClock(ctx))
                .run(observer: CleanupRunner.Observer(sessionsRemoved: { await claimed.record($0) }))
            var expected = CleanupRunner.Report()
            expected.sessions = 2
            expected.batches = 1
            try expectEqual(report, expected, "report")
            try expectEqual(await claimed.all, expired, "sessions reported to the observer")
            for session in expired { try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "claimed session \(session.key)") }
            for session in kept { try expectEqual(try await ctx.stores.sessions.session(forKey: session.key), session, "kept session \(session.key)") }
        },

        ConformanceCase("cleanup.run.observer-receives-removed-grants") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            let expired = [F.grant(ctx, "e1", expiresIn: -30), F.grant(ctx, "e2", expiresIn: -20)]
            let consumed = F.grant(ctx, "c1", expiresIn: 3600, consumedAgo: 60)
            let valid = F.grant(ctx, "v1", expiresIn: 3600)
            for grant in expired + [consumed, valid] { try await ctx.stores.grants.storeGrant(grant) }
            let removed = HousekeepingRecorder<PersistedGrant>()
            let configuration = CleanupRunner.Configuration(batchSize: 10, removeConsumedGrants: true, consumedGrantCleanupDelay: 30)
            let report = try await cleanupRunner(ctx, configuration).run(observer: CleanupRunner.Observer(grantsRemoved: { await removed.record($0) }))
            try expectEqual(await removed.batches, [expired, [consumed]], "grants reported to the observer (whole, per batch)")
            try expectEqual(report.expiredGrants, 2, "expired grants in the report")
            try expectEqual(report.consumedGrants, 1, "consumed grants in the report")
            try expectEqual(try await ctx.stores.grants.grant(forKey: valid.key), valid, "valid grant")
        },

        ConformanceCase("cleanup.run.every-store") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            try await ctx.stores.grants.storeGrant(F.grant(ctx, "g", expiresIn: -10))
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(F.device(ctx, "d", expiresIn: -10))
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(
                PushedAuthorizationRequest(referenceValueHash: ctx.key("par"), expiresAt: F.at(ctx, -10), parameters: "p"))
            try await ctx.stores.backchannelRequests.storeBackchannelRequest(
                BackchannelAuthenticationRequest(internalId: ctx.key("ciba"), creationTime: F.at(ctx, -100), lifetime: 30,
                                                 clientId: ctx.key("client"), subjectId: ctx.key("sub")))
            try await ctx.stores.sessions.createSession(F.session(ctx, "s", expiresIn: -10))
            let report = try await CleanupRunner(stores: ctx.stores, clock: F.runnerClock(ctx)).run()
            var expected = CleanupRunner.Report()
            expected.expiredGrants = 1
            expected.deviceAuthorizations = 1
            expected.pushedAuthorizationRequests = 1
            expected.backchannelRequests = 1
            expected.sessions = 1
            expected.batches = 5
            try expectEqual(report, expected, "report of a pass over one expired row per store")
        },
    ]

    /// A runner over the cleanup store only (no sessions), on the stores' clock.
    static func cleanupRunner(_ ctx: ConformanceContext, _ configuration: CleanupRunner.Configuration = CleanupRunner.Configuration()) -> CleanupRunner {
        CleanupRunner(store: ctx.stores.cleanup, clock: F.runnerClock(ctx), configuration: configuration)
    }
}

/// Passes every call to `base` and records how many grants each `removeExpiredGrants` call returned.
private struct RecordingGrantCleanup: GrantCleanup {
    let base: any GrantCleanup
    let calls: HousekeepingRecorder<Int>

    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        let grants = try await base.removeExpiredGrants(limit: limit)
        await calls.record([grants.count])
        return grants
    }

    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try await base.removeConsumedGrants(consumedBefore: threshold, limit: limit)
    }
}
