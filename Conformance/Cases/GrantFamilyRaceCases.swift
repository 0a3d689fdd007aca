import Foundation
import IdentityStorage

// Refresh-token rotation under races: many presentations of one token at once, and a revocation racing the rightful
// client's rotation. Each round races several tokens at once, each presented by 32 tasks.

extension ConformanceSuite {
    static let grantFamilyRaceCases: [ConformanceCase] = [
        ConformanceCase("grants.rotate.race.no-grace", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // 32 rotations of one token with no grace: exactly one rotated, one reuse detected that removes the family
            // (the winner's successor included), and not found for everyone after.
            try await raceRotations(ctx, policy: .strict, reused: 0)
        },

        ConformanceCase("grants.rotate.race.grace-reuse-limit", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // The same with a grace period and a reuse limit of 5: one rotated, 5 reused within grace, then the revocation.
            try await raceRotations(ctx, policy: FamilyKit.lenient, reused: 5)
        },

        ConformanceCase("grants.rotate.race.revocation-leaves-no-successor", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // A stolen token replayed after the grace period while the rightful client keeps rotating: whatever the order,
            // the family is gone at the end, and every rotation that got tokens did so before the revocation.
            let store = ctx.stores.grants
            let policy = RefreshTokenRotationPolicy(gracePeriod: 1, maxReuseCount: 0)
            for round in 0..<OpsKit.raceRounds {
                let root = FamilyKit.token(ctx, "r\(round).root")
                try await store.storeGrant(root)
                let first = try await FamilyKit.rotate(ctx, root.key, to: "r\(round).c0", family: root.key, policy: policy)
                try await ctx.advance(by: 2)
                let chain = 8
                let results = try await race(2) { task -> [RefreshTokenRotation] in
                    if task == 0 {
                        return [try await store.rotateRefreshToken(presented: root.key, successor: FamilyKit.token(ctx, "r\(round).thief"), policy: policy)]
                    }
                    var outcomes: [RefreshTokenRotation] = []
                    var current = first.key
                    for step in 1...chain {
                        let outcome = try await store.rotateRefreshToken(presented: current, successor: FamilyKit.token(ctx, "r\(round).c\(step)"), policy: policy)
                        outcomes.append(outcome)
                        guard case .rotated = outcome else { break }
                        current = ctx.key("r\(round).c\(step)")
                    }
                    return outcomes
                }
                try expect(results[0].count == 1, "round \(round): the replay's outcome")
                guard case .reuseDetected(let family, let removed) = results[0][0] else {
                    throw ConformanceFailure("round \(round): the replay after the grace period: got \(results[0][0])")
                }
                try expectEqual(family, root.key, "round \(round): the family revoked")
                let rotated = results[1].filter { if case .rotated = $0 { return true } else { return false } }.count
                try expect(results[1].allSatisfy { outcome in
                    switch outcome { case .rotated, .notFound: return true; default: return false }
                }, "round \(round): the rightful client's outcomes are rotated, then not found: \(results[1])")
                // The root, c0 and each successor the client got before the revocation (the last one included).
                try expectEqual(removed, 2 + rotated, "round \(round): grants removed (\(rotated) rotations before the replay)")
                try await FamilyKit.expectFamilyGone(ctx, root.key, keys: [root.key] + (0...chain).map { ctx.key("r\(round).c\($0)") },
                                                     "round \(round)")
            }
        },
    ]

    /// Rounds of `tokens` fresh tokens, each presented by 32 racing tasks (each with a successor of its own) under
    /// `policy`; exactly one rotated, `reused` reused within grace, one reuse detected removing the family (the token,
    /// the winner's and the reusers' successors: 2 + `reused`), the rest not found; nothing of the family left.
    static func raceRotations(_ ctx: ConformanceContext, policy: RefreshTokenRotationPolicy, reused: Int) async throws {
        let store = ctx.stores.grants
        let tokens = 4
        let tasks = 32
        for round in 0..<OpsKit.raceRounds {
            let roots = (0..<tokens).map { FamilyKit.token(ctx, "r\(round).t\($0)") }
            for root in roots { try await store.storeGrant(root) }
            let outcomes = try await race(tokens * tasks) { i in
                try await store.rotateRefreshToken(presented: roots[i % tokens].key, successor: FamilyKit.token(ctx, "r\(round).t\(i % tokens).s\(i / tokens)"),
                                                   policy: policy)
            }
            for (t, root) in roots.enumerated() {
                let mine = outcomes.indices.filter { $0 % tokens == t }.map { outcomes[$0] }
                let tally = FamilyKit.Tally(mine)
                let what = "round \(round), token \(t) (\(tally))"
                try expectEqual(tally.total, tasks, "\(what): outcomes")
                try expectEqual(tally.rotated.count, 1, "\(what): rotated")
                try expectEqual(tally.reused.count, reused, "\(what): reused within grace")
                try expectEqual(tally.detected.count, 1, "\(what): reuse detected")
                try expectEqual(tally.notFound, tasks - 2 - reused, "\(what): not found")
                try expectEqual(tally.detected[0].family, root.key, "\(what): the family revoked")
                try expectEqual(tally.detected[0].removed, 2 + reused, "\(what): grants removed by the revocation")
                let winner = try expectValue(tally.rotated[0].successorKey, "\(what): the winner's successor")
                try expect(tally.reused.allSatisfy { $0.reuseCount >= 1 && $0.reuseCount <= reused }, "\(what): reuse counts")
                let successors = (0..<tasks).map { ctx.key("r\(round).t\(t).s\($0)") }
                try expect(successors.contains(winner), "\(what): the winner's successor is one of the racers'")
                try await FamilyKit.expectFamilyGone(ctx, root.key, keys: [root.key] + successors, what)
            }
        }
    }
}
