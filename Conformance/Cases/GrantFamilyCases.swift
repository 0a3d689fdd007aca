import Foundation
import IdentityStorage

// Refresh-token rotation: the four outcomes one by one, the grace period by the clock, bad input, and grants that
// have no family. Racing cases: GrantFamilyRaceCases.swift; filters and removal: GrantFamilyFilterCases.swift.

extension ConformanceSuite {
    static let grantFamilyCases: [ConformanceCase] = grantRotationCases + grantFamilyRaceCases + grantFamilyFilterCases

    static let grantRotationCases: [ConformanceCase] = [
        ConformanceCase("grants.rotate.rotated", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let root = FamilyKit.token(ctx, "root")
            try await ctx.stores.grants.storeGrant(root)
            try await ctx.advance(by: 0.25)
            let successor = FamilyKit.token(ctx, "next")
            let now = ctx.now
            let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: root.key, successor: successor, policy: .strict)
            guard case .rotated(let presented) = outcome else { throw ConformanceFailure("first rotation: expected rotated, got \(outcome)") }
            var expected = root
            expected.familyId = root.key
            expected.successorKey = successor.key
            let consumed = try expectValue(presented.consumedTime, "consumedTime of the rotated token")
            if ctx.hasInjectableClock { try expectEqual(consumed, now, "consumedTime (the clock's now)") }
            expected.consumedTime = consumed
            try OpsKit.expectSame(presented, expected, "the rotated token returned (consumed, family = its key, successor)")
            try await OpsKit.expectStored(ctx, expected, "the rotated token as stored")
            try await OpsKit.expectStored(ctx, FamilyKit.member(successor, of: root.key), "the successor, stored in the family")
            // The successor rotates in turn, within the same family.
            let third = try await FamilyKit.rotate(ctx, successor.key, to: "third", family: root.key)
            try await OpsKit.expectStored(ctx, third, "the successor's successor")
            let family = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(familyId: root.key))
            try expectEqual(Set(family.map(\.key)), [root.key, successor.key, third.key], "the family's grants")
        },

        ConformanceCase("grants.rotate.reused-within-grace", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let root = FamilyKit.token(ctx, "root")
            try await ctx.stores.grants.storeGrant(root)
            let first = try await FamilyKit.rotate(ctx, root.key, to: "s1", family: root.key, policy: FamilyKit.lenient)
            try await ctx.advance(by: 1)
            let retry = FamilyKit.token(ctx, "s2")
            let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: root.key, successor: retry, policy: FamilyKit.lenient)
            guard case .reusedWithinGrace(let presented) = outcome else { throw ConformanceFailure("retry within grace: got \(outcome)") }
            try expectEqual(presented.reuseCount, 1, "reuseCount after one reuse")
            try expectEqual(presented.successorKey, retry.key, "successorKey after the reuse (the latest successor)")
            try await OpsKit.expectStored(ctx, presented, "the reused token as stored")
            try await OpsKit.expectStored(ctx, FamilyKit.member(retry, of: root.key), "the reuse's successor, in the family")
            try await OpsKit.expectStored(ctx, first, "the first successor stays")
        },

        ConformanceCase("grants.rotate.reuse-limit-revokes-family", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let policy = RefreshTokenRotationPolicy(gracePeriod: 3600, maxReuseCount: 2)
            let root = FamilyKit.token(ctx, "root")
            try await ctx.stores.grants.storeGrant(root)
            try await FamilyKit.rotate(ctx, root.key, to: "s0", family: root.key, policy: policy)
            for reuse in 1...2 {
                let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "s\(reuse)"), policy: policy)
                guard case .reusedWithinGrace(let grant) = outcome, grant.reuseCount == reuse else {
                    throw ConformanceFailure("reuse \(reuse) of 2 allowed: got \(outcome)")
                }
            }
            let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "s3"), policy: policy)
            try expectEqual(outcome, .reuseDetected(familyId: root.key, removedGrants: 4), "a third reuse (root, s0, s1, s2 removed)")
            try await FamilyKit.expectFamilyGone(ctx, root.key, keys: [root.key] + (0...3).map { ctx.key("s\($0)") }, "after the reuse limit")
        },

        ConformanceCase("grants.rotate.reuse-after-grace-revokes-100", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // A family of 100 rotations; a token replayed after the grace period revokes all 101 grants in one call.
            let policy = RefreshTokenRotationPolicy(gracePeriod: 5, maxReuseCount: 5)
            let root = FamilyKit.token(ctx, "root")
            try await ctx.stores.grants.storeGrant(root)
            var keys = [root.key]
            for step in 1...100 {
                keys.append(try await FamilyKit.rotate(ctx, keys.last!, to: "s\(step)", family: root.key, policy: policy).key)
            }
            let family = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(familyId: root.key))
            try expectEqual(family.count, 101, "grants of the family before the replay")
            try await ctx.advance(by: 6)
            let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: keys[50], successor: FamilyKit.token(ctx, "late"), policy: policy)
            try expectEqual(outcome, .reuseDetected(familyId: root.key, removedGrants: 101), "replay of rotation 50 after the grace period")
            try await FamilyKit.expectFamilyGone(ctx, root.key, keys: keys + [ctx.key("late")], "after the revocation")
            let again = try await ctx.stores.grants.rotateRefreshToken(presented: keys[100], successor: FamilyKit.token(ctx, "after"), policy: policy)
            try expectEqual(again, .notFound, "the newest token after the revocation")
        },

        ConformanceCase("grants.rotate.strict-second-use-revokes", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let root = FamilyKit.token(ctx, "root")
            try await ctx.stores.grants.storeGrant(root)
            let next = try await FamilyKit.rotate(ctx, root.key, to: "next", family: root.key)
            let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "again"), policy: .strict)
            try expectEqual(outcome, .reuseDetected(familyId: root.key, removedGrants: 2), "a second use with no grace period")
            try await FamilyKit.expectFamilyGone(ctx, root.key, keys: [root.key, next.key, ctx.key("again")], "after the second use")
        },

        ConformanceCase("grants.rotate.not-found", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let store = ctx.stores.grants
            try expectEqual(try await store.rotateRefreshToken(presented: ctx.key("missing"), successor: FamilyKit.token(ctx, "s"), policy: .strict),
                            .notFound, "a key never stored")
            try expectNil(try await store.grant(forKey: ctx.key("s")), "no successor stored for a missing token")
            var expired = FamilyKit.token(ctx, "expired")
            expired.expiration = OpsKit.time(ctx, -1)
            try await store.storeGrant(expired)
            try expectEqual(try await store.rotateRefreshToken(presented: expired.key, successor: FamilyKit.token(ctx, "s"), policy: .strict),
                            .notFound, "an expired token")
            try await OpsKit.expectStored(ctx, expired, "the expired token, unchanged")
            let live = FamilyKit.token(ctx, "live")
            try await store.storeGrant(live)
            var foreign = FamilyKit.token(ctx, "s")
            foreign.clientId = ctx.key("other-client")
            try expectEqual(try await store.rotateRefreshToken(presented: live.key, successor: foreign, policy: .strict),
                            .notFound, "a successor of another client")
            try await OpsKit.expectStored(ctx, live, "the token presented for another client, unchanged")
            try expectNil(try await store.grant(forKey: ctx.key("s")), "no successor stored for another client")
        },

        ConformanceCase("grants.rotate.bad-input-rejected", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let store = ctx.stores.grants
            let root = FamilyKit.token(ctx, "root")
            try await store.storeGrant(root)
            try await expectError(.invalidArgument, "a successor with the presented key") {
                _ = try await store.rotateRefreshToken(presented: root.key, successor: root, policy: .strict)
            }
            try await expectError(.invalidArgument, "a negative grace period") {
                _ = try await store.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "s"),
                                                       policy: RefreshTokenRotationPolicy(gracePeriod: -1, maxReuseCount: 0))
            }
            try await expectError(.invalidArgument, "a NaN grace period") {
                _ = try await store.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "s"),
                                                       policy: RefreshTokenRotationPolicy(gracePeriod: .nan, maxReuseCount: 0))
            }
            try await expectError(.invalidArgument, "a negative reuse count") {
                _ = try await store.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "s"),
                                                       policy: RefreshTokenRotationPolicy(gracePeriod: 0, maxReuseCount: -1))
            }
            var used = FamilyKit.token(ctx, "s")
            used.consumedTime = ctx.now
            try await expectError(.invalidArgument, "a consumed successor") {
                _ = try await store.rotateRefreshToken(presented: root.key, successor: used, policy: .strict)
            }
            try await expectError(.invalidArgument, "an empty presented key") {
                _ = try await store.rotateRefreshToken(presented: "", successor: FamilyKit.token(ctx, "s"), policy: .strict)
            }
            try await expectError(.invalidArgument, "an empty family id") { _ = try await store.removeFamily("") }
            try await OpsKit.expectStored(ctx, root, "the token after rejected rotations")
            try expectNil(try await store.grant(forKey: ctx.key("s")), "no successor stored by a rejected rotation")
        },

        ConformanceCase("grants.rotate.tokens-without-family-as-before", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // A grant stored without a family keeps every behaviour it had: consume-once, filters, remove; it is a
            // family of one (removeFamily and the family filter find it by its key), and one consumed with
            // consumeGrant long ago, presented for rotation, revokes just itself.
            let store = ctx.stores.grants
            let plain = FamilyKit.token(ctx, "plain")
            try await store.storeGrant(plain)
            try await OpsKit.expectStored(ctx, plain, "a grant without a family")
            let consumed = try expectValue(try await store.consumeGrant(forKey: plain.key), "consumeGrant of a grant without a family")
            try expectNil(consumed.familyId, "familyId after consumeGrant")
            try expectNil(try await store.consumeGrant(forKey: plain.key), "a second consumeGrant")
            try expectEqual(try await store.grants(matching: PersistedGrantFilter(familyId: plain.key)).map(\.key), [plain.key],
                            "the family filter on a family of one")
            try await ctx.advance(by: 2)
            try expectEqual(try await store.rotateRefreshToken(presented: plain.key, successor: FamilyKit.token(ctx, "s"), policy: .strict),
                            .reuseDetected(familyId: plain.key, removedGrants: 1), "rotating a token consumed before, without a family")
            try expectNil(try await store.grant(forKey: plain.key), "the revoked family of one")
            let other = FamilyKit.token(ctx, "other")
            try await store.storeGrant(other)
            try expectEqual(try await store.removeFamily(other.key), 1, "removeFamily of a family of one")
            try expectNil(try await store.grant(forKey: other.key), "after removeFamily")
            try expectEqual(try await store.removeFamily(ctx.key("never")), 0, "removeFamily of no family")
        },
    ]
}
