import Foundation
import IdentityStorage

private typealias F = HousekeepingFixtures

// As in CleanupCases.swift: every case first moves to a private epoch and drains what is already expired there.

extension ConformanceSuite {
    // MARK: several cleaners at once

    static let cleanupRaceCases: [ConformanceCase] = [
        ConformanceCase("cleanup.race.concurrent-runners") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            for round in 0..<3 {
                var expected = Set<String>()
                for index in 0..<200 {
                    let grant = F.grant(ctx, "r\(round)-g\(index)", expiresIn: -Double(1 + index % 23))
                    try await ctx.stores.grants.storeGrant(grant)
                    expected.insert(grant.key)
                }
                let runs = try await race(4) { _ in
                    let removed = HousekeepingRecorder<PersistedGrant>()
                    let report = try await cleanupRunner(ctx, CleanupRunner.Configuration(batchSize: 25))
                        .run(observer: CleanupRunner.Observer(grantsRemoved: { await removed.record($0) }))
                    return (report, await removed.all.map(\.key))
                }
                let all = runs.flatMap { $0.1 }
                try expectEqual(F.duplicates(all), [], "round \(round): grants reported by two runners")
                for (index, run) in runs.enumerated() {
                    try expectEqual(run.0.expiredGrants, run.1.count, "round \(round), runner \(index): report count vs observed grants")
                }
                let mine = Set(all.filter { $0.hasPrefix(ctx.namespace) })
                try expectEqual(mine.count, 200, "round \(round): grants reported in all")
                try expect(mine == expected, "round \(round): reported grants differ from the expired ones")
                for key in expected.prefix(10) { try expectNil(try await ctx.stores.grants.grant(forKey: key), "round \(round): grant \(key)") }
            }
        },

        ConformanceCase("cleanup.race.concurrent-remove-expired-grants") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            for round in 0..<3 {
                var expected = Set<String>()
                for index in 0..<200 {
                    let grant = F.grant(ctx, "r\(round)-g\(index)", expiresIn: -Double(1 + index % 7))
                    try await ctx.stores.grants.storeGrant(grant)
                    expected.insert(grant.key)
                }
                let perCaller = try await race(4) { _ in
                    var keys: [String] = []
                    while true {
                        let batch = try await ctx.stores.cleanup.removeExpiredGrants(limit: 10)
                        try expect(batch.count <= 10, "removeExpiredGrants(limit: 10) returned \(batch.count) grants")
                        if batch.isEmpty { return keys }
                        keys += batch.map(\.key)
                    }
                }
                let all = perCaller.flatMap { $0 }
                try expectEqual(F.duplicates(all), [], "round \(round): grants returned to two callers")
                let mine = Set(all.filter { $0.hasPrefix(ctx.namespace) })
                try expect(mine == expected, "round \(round): returned grants differ from the expired ones (\(mine.count) of \(expected.count))")
            }
        },

        ConformanceCase("cleanup.race.concurrent-remove-expired-device-authorizations") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            for round in 0..<3 {
                var expected = Set<String>()
                for index in 0..<64 {
                    let device = F.device(ctx, "r\(round)-\(index)", expiresIn: -Double(1 + index % 5))
                    try await ctx.stores.deviceFlow.storeDeviceAuthorization(device)
                    expected.insert(device.deviceCode)
                }
                let perCaller = try await race(4) { _ in
                    var codes: [String] = []
                    while true {
                        let batch = try await ctx.stores.cleanup.removeExpiredDeviceAuthorizations(limit: 5)
                        try expect(batch.count <= 5, "removeExpiredDeviceAuthorizations(limit: 5) returned \(batch.count)")
                        if batch.isEmpty { return codes }
                        codes += batch.map(\.deviceCode)
                    }
                }
                let all = perCaller.flatMap { $0 }
                try expectEqual(F.duplicates(all), [], "round \(round): device authorizations returned to two callers")
                let mine = Set(all.filter { $0.hasPrefix(ctx.namespace) })
                try expect(mine == expected, "round \(round): returned device codes differ from the expired ones (\(mine.count) of \(expected.count))")
            }
        },

        ConformanceCase("cleanup.race.concurrent-remove-expired-cache-entries") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            for round in 0..<3 {
                for index in 0..<100 {
                    try await ctx.stores.cache.set(ctx.key("r\(round)-c\(index)"), value: F.bytes("v"), options: .absolute(F.at(ctx, 0.2)))
                }
                try await ctx.advance(by: 0.5)
                // A batch never removes more than its limit, however many cleaners lock rows at once.
                let counts = try await race(4) { _ in
                    var removed = 0
                    while true {
                        let count = try await ctx.stores.cleanup.removeExpiredCacheEntries(limit: 2)
                        try expect(count <= 2, "removeExpiredCacheEntries(limit: 2) removed \(count)")
                        if count == 0 { return removed }
                        removed += count
                    }
                }
                if ctx.hasInjectableClock { try expectEqual(counts.reduce(0, +), 100, "round \(round): cache entries removed by all callers together") }
            }
        },

        ConformanceCase("cleanup.race.concurrent-counted-steps") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainCleanup(ctx)
            for round in 0..<3 {
                for index in 0..<40 {
                    try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(
                        PushedAuthorizationRequest(referenceValueHash: ctx.key("r\(round)-par\(index)"), expiresAt: F.at(ctx, -Double(1 + index % 3)), parameters: "p"))
                    try await ctx.stores.backchannelRequests.storeBackchannelRequest(
                        BackchannelAuthenticationRequest(internalId: ctx.key("r\(round)-ciba\(index)"), creationTime: F.at(ctx, -100), lifetime: 10 + index % 3,
                                                         clientId: ctx.key("client"), subjectId: ctx.key("sub")))
                }
                let counts = try await race(4) { _ in
                    var par = 0, ciba = 0
                    while true {
                        let removed = try await ctx.stores.cleanup.removeExpiredPushedAuthorizationRequests(limit: 4)
                        try expect(removed <= 4, "removeExpiredPushedAuthorizationRequests(limit: 4) removed \(removed)")
                        if removed == 0 { break }
                        par += removed
                    }
                    while true {
                        let removed = try await ctx.stores.cleanup.removeExpiredBackchannelRequests(limit: 4)
                        try expect(removed <= 4, "removeExpiredBackchannelRequests(limit: 4) removed \(removed)")
                        if removed == 0 { break }
                        ciba += removed
                    }
                    return [par, ciba]
                }
                try expectEqual(counts.map { $0[0] }.reduce(0, +), 40, "round \(round): PARs removed by all callers together")
                try expectEqual(counts.map { $0[1] }.reduce(0, +), 40, "round \(round): CIBA requests removed by all callers together")
            }
        },
    ]
}
