import Foundation
import IdentityStorage

/// Helpers of the refresh-token family cases (GrantFamily*.swift).
enum FamilyKit {
    /// Why every family case needs the capability, printed when an adapter lacks it.
    static let reason = "refresh-token rotation and families (rotateRefreshToken, removeFamily, PersistedGrantFilter.familyId)"

    /// A grace period no race outlasts, with room for 5 reuses.
    static let lenient = RefreshTokenRotationPolicy(gracePeriod: 3600, maxReuseCount: 5)

    /// A live refresh token of the case's client, stored without a family (as before families existed).
    static func token(_ ctx: ConformanceContext, _ name: String, subjectId: String? = nil) -> PersistedGrant {
        OpsKit.grant(ctx, ctx.key(name), type: PersistedGrantType.refreshToken, subjectId: subjectId ?? ctx.key("sub"),
                     sessionId: ctx.key("sid"), description: "refresh", expiresIn: 3600, data: "{\"refresh\":\"\(name)\"}")
    }

    /// `successor` as a store keeps it in `family`.
    static func member(_ successor: PersistedGrant, of family: String) -> PersistedGrant {
        var member = successor
        member.familyId = family
        return member
    }

    /// Rotates `key` to a new token named `name`; fails unless the outcome is `rotated`. Returns the successor as stored.
    @discardableResult
    static func rotate(_ ctx: ConformanceContext, _ key: String, to name: String, family: String,
                       policy: RefreshTokenRotationPolicy = .strict) async throws -> PersistedGrant {
        let successor = token(ctx, name)
        let outcome = try await ctx.stores.grants.rotateRefreshToken(presented: key, successor: successor, policy: policy)
        guard case .rotated = outcome else { throw ConformanceFailure("rotating \(key) to \(name): expected rotated, got \(outcome)") }
        return member(successor, of: family)
    }

    /// Fails unless the store holds no grant of `family`: neither by filter nor by any of `keys`.
    static func expectFamilyGone(_ ctx: ConformanceContext, _ family: String, keys: [String], _ what: String,
                                 file: String = #fileID, line: Int = #line) async throws {
        let left = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(familyId: family))
        try expect(left.isEmpty, "\(what): grants of the family left: \(OpsKit.sorted(left.map(\.key)))", file: file, line: line)
        for key in keys {
            try expectNil(try await ctx.stores.grants.grant(forKey: key), "\(what): grant \(key) of the revoked family", file: file, line: line)
        }
    }

    /// The outcomes of a race, counted by kind.
    struct Tally: CustomStringConvertible {
        var rotated: [PersistedGrant] = []
        var reused: [PersistedGrant] = []
        var detected: [(family: String, removed: Int)] = []
        var notFound = 0

        init(_ outcomes: [RefreshTokenRotation]) {
            for outcome in outcomes {
                switch outcome {
                case .rotated(let grant): rotated.append(grant)
                case .reusedWithinGrace(let grant): reused.append(grant)
                case .reuseDetected(let family, let removed): detected.append((family, removed))
                case .notFound: notFound += 1
                }
            }
        }

        var total: Int { rotated.count + reused.count + detected.count + notFound }
        var description: String { "\(rotated.count) rotated, \(reused.count) reused, \(detected.count) detected, \(notFound) not found" }
    }
}
