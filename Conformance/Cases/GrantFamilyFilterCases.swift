import Foundation
import IdentityStorage

// Refresh-token families by filter, removeFamily, and grants stored with family fields by storeGrant.

extension ConformanceSuite {
    static let grantFamilyFilterCases: [ConformanceCase] = [
        ConformanceCase("grants.filter.family-matrix", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let f = try await FamilyFixture.make(ctx)
            let combos: [(String, PersistedGrantFilter, Set<String>)] = [
                ("{familyA}", .init(familyId: f.a[0]), Set(f.a)),
                ("{familyB}", .init(familyId: f.b[0]), Set(f.b)),
                ("{family of one}", .init(familyId: f.single), [f.single]),
                ("{unknown family}", .init(familyId: ctx.key("nobody")), []),
                ("{a member's key}", .init(familyId: f.a[2]), []),
                ("{familyA, sub}", .init(subjectId: ctx.key("sub"), familyId: f.a[0]), Set(f.a)),
                ("{familyA, other sub}", .init(subjectId: ctx.key("sub2"), familyId: f.a[0]), []),
                ("{familyA, client}", .init(clientId: ctx.key("client"), familyId: f.a[0]), Set(f.a)),
                ("{familyA, clients [other]}", .init(clientIds: [ctx.key("other")], familyId: f.a[0]), []),
                ("{familyA, type}", .init(type: PersistedGrantType.refreshToken, familyId: f.a[0]), Set(f.a)),
                ("{familyA, types []}", .init(types: [], familyId: f.a[0]), []),
                ("{familyA, session}", .init(sessionId: ctx.key("sid"), familyId: f.a[0]), Set(f.a)),
                ("{sub}", .init(subjectId: ctx.key("sub")), Set(f.a + f.b + [f.single, f.unrelated])),
            ]
            for (label, filter, expected) in combos {
                let found = try await ctx.stores.grants.grants(matching: filter)
                try expectEqual(try OpsKit.keySet(found, label), expected, "keys for \(label)")
            }
        },

        ConformanceCase("grants.remove-matching.family-matrix", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let combos: [(String, (FamilyFixture) -> PersistedGrantFilter, (FamilyFixture) -> Set<String>)] = [
                ("{familyA}", { .init(familyId: $0.a[0]) }, { Set($0.a) }),
                ("{family of one}", { .init(familyId: $0.single) }, { [$0.single] }),
                ("{a member's key}", { .init(familyId: $0.a[2]) }, { _ in [] }),
                ("{familyB, type}", { .init(type: PersistedGrantType.refreshToken, familyId: $0.b[0]) }, { Set($0.b) }),
                ("{familyB, other type}", { .init(type: PersistedGrantType.authorizationCode, familyId: $0.b[0]) }, { _ in [] }),
            ]
            for (index, (label, filter, removed)) in combos.enumerated() {
                let f = try await FamilyFixture.make(ctx, round: index)
                let n = try await ctx.stores.grants.removeGrants(matching: filter(f))
                try expectEqual(n, removed(f).count, "count returned by removeGrants(\(label))")
                let left = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: ctx.key("sub")))
                let roundKeys = Set(left.map(\.key).filter { $0.hasPrefix(ctx.key("r\(index).")) })
                try expectEqual(roundKeys, f.all.subtracting(removed(f)), "survivors of removeGrants(\(label))")
            }
        },

        ConformanceCase("grants.remove-family.removes-members-only", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            let f = try await FamilyFixture.make(ctx)
            try expectEqual(try await ctx.stores.grants.removeFamily(f.a[0]), f.a.count, "removeFamily(A)")
            try await FamilyKit.expectFamilyGone(ctx, f.a[0], keys: f.a, "family A")
            for key in f.b + [f.single, f.unrelated] {
                _ = try expectValue(try await ctx.stores.grants.grant(forKey: key), "grant \(key) outside family A")
            }
            try expectEqual(try await ctx.stores.grants.removeFamily(f.a[0]), 0, "removeFamily(A) again")
            let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: f.a.last!, successor: FamilyKit.token(ctx, "late"), policy: .strict)
            try expectEqual(outcome, .notFound, "rotating the newest token of a removed family")
        },

        ConformanceCase("grants.family.stored-fields-round-trip", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // Family fields written by storeGrant (a copy between backends does this) round-trip, and every single-key
            // operation finds such a grant, whichever family it names; re-storing it under another family or none
            // leaves one grant.
            let store = ctx.stores.grants
            for index in 0..<8 {
                var grant = FamilyKit.token(ctx, "m\(index)")
                grant.familyId = ctx.key("family\(index)")
                grant.successorKey = ctx.key("next\(index)")
                grant.reuseCount = index
                try await store.storeGrant(grant)
                try await OpsKit.expectStored(ctx, grant, "grant \(index) with family fields")
                try expectEqual(try await store.grants(matching: PersistedGrantFilter(familyId: grant.familyId)).map(\.key), [grant.key],
                                "family filter of grant \(index)")
                let consumed = try expectValue(try await store.consumeGrant(forKey: grant.key), "consumeGrant of grant \(index)")
                try expectEqual(consumed.familyId, grant.familyId, "familyId after consumeGrant")
                var moved = grant
                moved.familyId = index % 2 == 0 ? nil : ctx.key("elsewhere\(index)")
                try await store.storeGrant(moved)
                try await OpsKit.expectStored(ctx, moved, "grant \(index) re-stored under another family")
                try expectEqual(try await store.grants(matching: PersistedGrantFilter(familyId: grant.familyId)).count, 0,
                                "grant \(index)'s former family after the re-store")
                try expectEqual(try await store.grants(matching: PersistedGrantFilter(subjectId: ctx.key("sub"))).filter { $0.key == grant.key }.count, 1,
                                "copies of grant \(index) after the re-store")
                if index % 3 == 0 {
                    try OpsKit.expectSame(try await store.takeGrant(forKey: grant.key), moved, "takeGrant of grant \(index)")
                } else {
                    try expect(try await store.removeGrant(forKey: grant.key), "removeGrant of grant \(index)")
                }
                try expectNil(try await store.grant(forKey: grant.key), "grant \(index) after its removal")
                try expect(!(try await store.removeGrant(forKey: grant.key)), "second removeGrant of grant \(index)")
            }
        },
    ]
}

/// Two families built by rotation (A: a token and 3 rotations; B: a token and 1), a family of one, and an unrelated
/// authorization code of the same subject; keys under `r<round>.`.
struct FamilyFixture {
    let a: [String]
    let b: [String]
    let single: String
    let unrelated: String
    var all: Set<String> { Set(a + b + [single, unrelated]) }

    static func make(_ ctx: ConformanceContext, round: Int = 0) async throws -> FamilyFixture {
        let p = "r\(round)."
        let store = ctx.stores.grants
        var a = [FamilyKit.token(ctx, p + "a0").key]
        try await store.storeGrant(FamilyKit.token(ctx, p + "a0"))
        for step in 1...3 { a.append(try await FamilyKit.rotate(ctx, a.last!, to: p + "a\(step)", family: a[0]).key) }
        let b0 = FamilyKit.token(ctx, p + "b0")
        try await store.storeGrant(b0)
        let b1 = try await FamilyKit.rotate(ctx, b0.key, to: p + "b1", family: b0.key)
        let single = FamilyKit.token(ctx, p + "single")
        try await store.storeGrant(single)
        let unrelated = OpsKit.grant(ctx, ctx.key(p + "code"), subjectId: ctx.key("sub"))
        try await store.storeGrant(unrelated)
        return FamilyFixture(a: a, b: [b0.key, b1.key], single: single.key, unrelated: unrelated.key)
    }
}
