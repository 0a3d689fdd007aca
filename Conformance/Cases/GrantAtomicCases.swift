import Foundation
import IdentityStorage

// Persisted grants: take (get-and-delete), consume-once, concurrent upserts, and bad input.

extension ConformanceSuite {
    static let grantAtomicCases: [ConformanceCase] = [
        ConformanceCase("grants.take.returns-and-deletes") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("code"), subjectId: ctx.key("sub"), sessionId: ctx.key("sid"), description: "d")
            let other = OpsKit.grant(ctx, ctx.key("other"))
            try await ctx.stores.grants.storeGrant(grant)
            try await ctx.stores.grants.storeGrant(other)
            let taken = try await ctx.stores.grants.takeGrant(forKey: grant.key)
            try OpsKit.expectSame(taken, grant, "first takeGrant")
            try expectNil(try await ctx.stores.grants.grant(forKey: grant.key), "grant after takeGrant")
            try expectNil(try await ctx.stores.grants.takeGrant(forKey: grant.key), "second takeGrant")
            try await OpsKit.expectStored(ctx, other, "other grant after takeGrant")
        },

        ConformanceCase("grants.take.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.grants.takeGrant(forKey: ctx.key("missing")), "takeGrant of a key never stored")
        },

        ConformanceCase("grants.take.race") { ctx in
            let store = ctx.stores.grants
            for round in 0..<OpsKit.raceRounds {
                let keys = (0..<OpsKit.raceKeys).map { ctx.key("r\(round).k\($0)") }
                let grants = keys.map { OpsKit.grant(ctx, $0, subjectId: ctx.key("sub")) }
                for grant in grants { try await store.storeGrant(grant) }
                let results = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.takeGrant(forKey: keys[i % OpsKit.raceKeys])
                }
                for (k, grant) in grants.enumerated() {
                    let winners = results.indices.filter { $0 % OpsKit.raceKeys == k }.compactMap { results[$0] }
                    try expectEqual(winners.count, 1, "round \(round): takers of key \(k) that got the grant")
                    try OpsKit.expectSame(winners.first, grant, "round \(round): grant taken for key \(k)")
                    try expectNil(try await store.grant(forKey: grant.key), "round \(round): key \(k) after the race")
                }
            }
        },

        ConformanceCase("grants.consume.sets-consumed-time") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("rt"), type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"),
                                     sessionId: ctx.key("sid"), description: "d", expiresIn: 3600)
            try await ctx.stores.grants.storeGrant(grant)
            try await ctx.advance(by: 0.25) // consumedTime must be the clock's time, not the creation time
            let before = ctx.now
            let consumed = try expectValue(try await ctx.stores.grants.consumeGrant(forKey: grant.key), "consumeGrant result")
            let after = ctx.now
            let time = try expectValue(consumed.consumedTime, "consumedTime of the returned grant")
            if ctx.hasInjectableClock {
                try expectEqual(time, before, "consumedTime (the injected clock's now)")
            } else {
                try expect(time >= before.addingTimeInterval(-1) && time <= after.addingTimeInterval(1),
                           "consumedTime \(time.microsecondsSince1970) µs not within 1 s of the call (\(before.microsecondsSince1970)…\(after.microsecondsSince1970))")
            }
            try expectEqual(time, time.roundedToStoragePrecision, "consumedTime at storage precision")
            var expected = grant
            expected.consumedTime = time
            try OpsKit.expectSame(consumed, expected, "grant returned by consumeGrant (only consumedTime changed)")
            try await OpsKit.expectStored(ctx, expected, "grant stays stored after consumeGrant, with consumedTime")
        },

        ConformanceCase("grants.consume.second-returns-nil") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("rt"), type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"))
            try await ctx.stores.grants.storeGrant(grant)
            let first = try expectValue(try await ctx.stores.grants.consumeGrant(forKey: grant.key), "first consumeGrant")
            try await ctx.advance(by: 0.2)
            try expectNil(try await ctx.stores.grants.consumeGrant(forKey: grant.key), "second consumeGrant")
            try await OpsKit.expectStored(ctx, first, "grant after a second consumeGrant (consumedTime unchanged)")
        },

        ConformanceCase("grants.consume.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.grants.consumeGrant(forKey: ctx.key("missing")), "consumeGrant of a key never stored")
            try expectNil(try await ctx.stores.grants.grant(forKey: ctx.key("missing")), "consumeGrant of a missing key creates nothing")
        },

        ConformanceCase("grants.consume.already-consumed-returns-nil") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("rt"), type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"),
                                     consumedTime: OpsKit.time(ctx, -30))
            try await ctx.stores.grants.storeGrant(grant)
            try expectNil(try await ctx.stores.grants.consumeGrant(forKey: grant.key), "consumeGrant of a grant stored as consumed")
            try await OpsKit.expectStored(ctx, grant, "grant stored as consumed, after consumeGrant")
        },

        ConformanceCase("grants.consume.after-upsert-clears-consumed-time") { ctx in
            // storeGrant wholly replaces: a grant re-stored without consumedTime can be consumed again.
            let grant = OpsKit.grant(ctx, ctx.key("rt"), type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"))
            try await ctx.stores.grants.storeGrant(grant)
            _ = try expectValue(try await ctx.stores.grants.consumeGrant(forKey: grant.key), "first consumeGrant")
            try await ctx.stores.grants.storeGrant(grant)
            try await OpsKit.expectStored(ctx, grant, "grant re-stored without consumedTime")
            _ = try expectValue(try await ctx.stores.grants.consumeGrant(forKey: grant.key), "consumeGrant after the re-store")
        },

        ConformanceCase("grants.consume.race") { ctx in
            let store = ctx.stores.grants
            for round in 0..<OpsKit.raceRounds {
                let keys = (0..<OpsKit.raceKeys).map { ctx.key("r\(round).k\($0)") }
                let grants = keys.map { OpsKit.grant(ctx, $0, type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"), expiresIn: 3600) }
                for grant in grants { try await store.storeGrant(grant) }
                let results = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.consumeGrant(forKey: keys[i % OpsKit.raceKeys])
                }
                for (k, grant) in grants.enumerated() {
                    let winners = results.indices.filter { $0 % OpsKit.raceKeys == k }.compactMap { results[$0] }
                    try expectEqual(winners.count, 1, "round \(round): consumers of key \(k) that got the grant")
                    let winner = winners[0]
                    let time = try expectValue(winner.consumedTime, "round \(round): consumedTime returned for key \(k)")
                    var expected = grant
                    expected.consumedTime = time
                    try OpsKit.expectSame(winner, expected, "round \(round): grant returned to the winner for key \(k)")
                    try await OpsKit.expectStored(ctx, expected, "round \(round): key \(k) after the race (consumed once, the winner's time)")
                }
            }
        },

        ConformanceCase("grants.store.concurrent-same-key") { ctx in
            // Concurrent upserts of one new key never fail and leave exactly one whole version.
            let store = ctx.stores.grants
            for round in 0..<OpsKit.raceRounds {
                let keys = (0..<OpsKit.raceKeys).map { ctx.key("r\(round).k\($0)") }
                let versions: [[PersistedGrant]] = keys.map { key in
                    (0..<OpsKit.tasksPerKey).map { v in OpsKit.version(ctx, key: key, v) }
                }
                _ = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.storeGrant(versions[i % OpsKit.raceKeys][i / OpsKit.raceKeys])
                }
                for (k, key) in keys.enumerated() {
                    let stored = try expectValue(try await store.grant(forKey: key), "round \(round): key \(k) after concurrent stores")
                    try expect(versions[k].contains(stored),
                               "round \(round): key \(k) holds a mix of versions: \(OpsKit.render(stored))")
                }
                let clientIds = (0..<OpsKit.tasksPerKey).map { ctx.key("client\($0)") }
                let all = try await store.grants(matching: PersistedGrantFilter(clientIds: clientIds))
                let roundKeys = all.map(\.key).filter { $0.hasPrefix(ctx.key("r\(round).")) }
                try expectEqual(roundKeys.count, OpsKit.raceKeys, "round \(round): rows for the \(OpsKit.raceKeys) keys (one each)")
            }
        },
    ]

    static let grantBadInputCases: [ConformanceCase] = [
        ConformanceCase("grants.store.empty-key-rejected") { ctx in
            try await expectError(.invalidArgument, "storeGrant with an empty key") {
                try await ctx.stores.grants.storeGrant(OpsKit.grant(ctx, ""))
            }
        },

        ConformanceCase("grants.store.key-length-limit") { ctx in
            let ok = OpsKit.grant(ctx, OpsKit.key(ctx, "max", bytes: 200))
            try await ctx.stores.grants.storeGrant(ok)
            try await OpsKit.expectStored(ctx, ok, "grant with a 200-byte key")
            let long = OpsKit.key(ctx, "over", bytes: 201)
            try await expectError(.invalidArgument, "storeGrant with a 201-byte key") {
                try await ctx.stores.grants.storeGrant(OpsKit.grant(ctx, long))
            }
            // Multi-byte: namespace + 63 × "漢" (3 bytes each) = 201 bytes in far fewer characters.
            let wide = ctx.key("") + String(repeating: "漢", count: (201 - ctx.key("").utf8.count + 2) / 3)
            try await expectError(.invalidArgument, "storeGrant with a key over 200 UTF-8 bytes (\(wide.utf8.count))") {
                try await ctx.stores.grants.storeGrant(OpsKit.grant(ctx, wide))
            }
            try await OpsKit.expectStored(ctx, ok, "200-byte-key grant after rejected long keys")
        },

        ConformanceCase("grants.store.nul-rejected") { ctx in
            let key = ctx.key("nul")
            let original = OpsKit.grant(ctx, key, subjectId: ctx.key("sub"), data: "original")
            try await ctx.stores.grants.storeGrant(original)
            var bad: [(String, PersistedGrant)] = []
            var g = original; g.key = ctx.key("n\u{0}ul"); bad.append(("key", g))
            g = original; g.data = "da\u{0}ta"; bad.append(("data", g))
            g = original; g.subjectId = ctx.key("s\u{0}"); bad.append(("subjectId", g))
            g = original; g.sessionId = "\u{0}"; bad.append(("sessionId", g))
            g = original; g.clientId = ctx.key("c\u{0}"); bad.append(("clientId", g))
            g = original; g.type = "t\u{0}"; bad.append(("type", g))
            g = original; g.description = "d\u{0}"; bad.append(("description", g))
            for (field, grant) in bad {
                try await expectError(.invalidArgument, "storeGrant with a NUL byte in \(field)") {
                    try await ctx.stores.grants.storeGrant(grant)
                }
                try await OpsKit.expectStored(ctx, original, "grant after a rejected store with NUL in \(field)")
            }
            try expectNil(try await ctx.stores.grants.grant(forKey: ctx.key("n")), "truncated key from a NUL key")
        },

        ConformanceCase("grants.store.empty-required-fields-rejected") { ctx in
            let original = OpsKit.grant(ctx, ctx.key("g"), subjectId: ctx.key("sub"), data: "original")
            try await ctx.stores.grants.storeGrant(original)
            var bad: [(String, PersistedGrant)] = []
            var g = original; g.type = ""; bad.append(("type", g))
            g = original; g.clientId = ""; bad.append(("clientId", g))
            g = original; g.subjectId = ""; bad.append(("subjectId", g))
            g = original; g.sessionId = ""; bad.append(("sessionId", g))
            for (field, grant) in bad {
                try await expectError(.invalidArgument, "storeGrant with an empty \(field)") {
                    try await ctx.stores.grants.storeGrant(grant)
                }
                try await OpsKit.expectStored(ctx, original, "grant after a rejected store with an empty \(field)")
            }
        },

        ConformanceCase("grants.store.data-too-large") { ctx in
            let original = OpsKit.grant(ctx, ctx.key("big"), data: "original")
            try await ctx.stores.grants.storeGrant(original)
            var huge = original
            huge.data = OpsKit.text(bytes: IdentityStorageLimits.maxPayloadBytes + 1)
            try await expectError(.tooLarge, "storeGrant with data of 8 MiB + 1 byte") {
                try await ctx.stores.grants.storeGrant(huge)
            }
            try await OpsKit.expectStored(ctx, original, "grant after a rejected oversized store")
            var fresh = huge
            fresh.key = ctx.key("fresh")
            try await expectError(.tooLarge, "storeGrant of a new key with data of 8 MiB + 1 byte") {
                try await ctx.stores.grants.storeGrant(fresh)
            }
            try expectNil(try await ctx.stores.grants.grant(forKey: fresh.key), "new grant after a rejected oversized store")
        },

        ConformanceCase("grants.store.description-too-large") { ctx in
            let original = OpsKit.grant(ctx, ctx.key("desc"), description: "short")
            try await ctx.stores.grants.storeGrant(original)
            var max = original
            max.key = ctx.key("desc-max")
            max.description = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes)
            try await ctx.stores.grants.storeGrant(max)
            try await OpsKit.expectStored(ctx, max, "grant with a 4000-byte description")
            var long = original
            long.description = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
            try await expectError(.tooLarge, "storeGrant with a 4001-byte description") {
                try await ctx.stores.grants.storeGrant(long)
            }
            try await OpsKit.expectStored(ctx, original, "grant after a rejected long description")
        },
    ]
}
