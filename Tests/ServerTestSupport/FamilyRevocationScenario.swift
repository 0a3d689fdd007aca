import Foundation
import IdentityStorage

/// A refresh-token family revoked before a server restart must stay revoked after it (Keycloak kept revoked tokens in
/// memory, so they came back after a restart: keycloak #31296). Before: two families built by rotation, one of them
/// revoked by a replayed token. After: every token of the revoked family is refused, the other family still rotates.
package struct FamilyRevocationScenario: Sendable {
    package let prefix: String
    private let policy = RefreshTokenRotationPolicy.strict

    package init(_ prefix: String = "family-restart-\(UInt32.random(in: 0 ... .max)).") {
        self.prefix = prefix
    }

    private func key(_ name: String) -> String { prefix + name }

    private func token(_ name: String) -> PersistedGrant {
        PersistedGrant(key: key(name), type: PersistedGrantType.refreshToken, subjectId: key("alice"), clientId: key("client"),
                       creationTime: Date().roundedToStoragePrecision, expiration: Date().addingTimeInterval(3600).roundedToStoragePrecision,
                       data: "{\"scope\":\"offline_access\"}")
    }

    /// The revoked family's tokens.
    package var revoked: [String] { (0...3).map { key("a\($0)") } }

    /// Builds both families and revokes the first; throws unless each step has the expected outcome.
    package func prepare(_ grants: any PersistedGrantStore) async throws {
        for family in ["a", "b"] {
            try await grants.storeGrant(token("\(family)0"))
            for step in 1...(family == "a" ? 3 : 1) {
                let outcome = try await grants.rotateRefreshToken(presented: key("\(family)\(step - 1)"), successor: token("\(family)\(step)"), policy: policy)
                guard case .rotated = outcome else { throw ScenarioFailure("rotating \(family)\(step - 1): \(outcome)") }
            }
        }
        let replay = try await grants.rotateRefreshToken(presented: key("a1"), successor: token("a-thief"), policy: policy)
        guard replay == .reuseDetected(familyId: key("a0"), removedGrants: 4) else { throw ScenarioFailure("the replay of a1: \(replay)") }
    }

    /// What must hold after the restart; throws a description of what does not.
    package func verify(_ grants: any PersistedGrantStore) async throws {
        for name in revoked + [key("a-thief")] {
            if let grant = try await grants.grant(forKey: name) { throw ScenarioFailure("\(grant.key) of the revoked family is back") }
        }
        let left = try await grants.grants(matching: PersistedGrantFilter(familyId: key("a0")))
        if !left.isEmpty { throw ScenarioFailure("the revoked family has \(left.count) grants again") }
        let newest = try await grants.rotateRefreshToken(presented: key("a3"), successor: token("a4"), policy: policy)
        if newest != .notFound { throw ScenarioFailure("the revoked family's newest token: \(newest)") }
        let other = try await grants.rotateRefreshToken(presented: key("b1"), successor: token("b2"), policy: policy)
        guard case .rotated = other else { throw ScenarioFailure("the other family's newest token after the restart: \(other)") }
    }
}

package struct ScenarioFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
