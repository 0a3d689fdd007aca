import Foundation
import IdentityStorage

/// Refresh-token rotation and family removal on every SQL adapter.
///
/// SQLite decides in Swift inside one write transaction (the single writer serialises every rotation). PostgreSQL and
/// MariaDB call a routine their schema installs, in one round trip: it locks the presented row (`SELECT … FOR UPDATE`),
/// so concurrent presentations of one token queue on that row and each sees what the one before it wrote, decides as
/// `RefreshTokenDecision` does, and writes in the same transaction.
///
/// A family is removed by deleting its members until a pass removes none. A rotation of a member always locks a member
/// row before it inserts a successor, and a delete waits for a locked row and re-reads it: so when a pass meets a
/// member that a concurrent rotation holds, the successor that rotation writes is committed before the pass ends, and
/// the next pass (a new statement, which sees every commit before it) removes it. A rotation that comes after finds its
/// token gone. No successor outlives the family's removal.
extension SQLPersistedGrantStore {
    /// Rotates a refresh token, atomically (one SQL statement or transaction, one Lua script, one lock hold), with one of
    /// four outcomes (see `RefreshTokenRotation`). The family of the presented grant is its `PersistedGrant.familyId`,
    /// or its own key when it has none (grants stored before families existed are families of one).
    public func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation {
        try validateRotation(presented: key, successor: successor, policy: policy)
        let now = clock.now.roundedToStoragePrecision
        let statements = statements
        switch statements.dialect.refreshRotation {
        case .routine(let call):
            let bindings: [SQLValue] = [.text(key), .date(now), .integer(policy.gracePeriodMicroseconds), .int(policy.maxReuseCount),
                                        .text(successor.key), .text(successor.type), .optionalText(successor.subjectId),
                                        .optionalText(successor.sessionId), .text(successor.clientId), .optionalText(successor.description),
                                        .date(successor.creationTime), .optionalDate(successor.expiration), .text(successor.data)]
            let rows = try await database.write { connection in
                try connection.query(call, bindings) { row in try Self.outcome(row) }
            }
            guard let outcome = rows.first else {
                throw IdentityStorageError(.schemaMismatch, "the refresh-token rotation routine returned no row")
            }
            return outcome
        case .transaction:
            return try await database.transaction { connection in
                guard let presented = try connection.query(statements.get, [.text(key)], { try SQLTables.Grants.decode($0) }).first,
                      presented.clientId.exactlyEquals(successor.clientId), presented.expiration.map({ $0 > now }) ?? true else {
                    return .notFound
                }
                let family = presented.family
                var updated = presented
                switch RefreshTokenDecision(consumedTime: presented.consumedTime, reuseCount: presented.reuseCount, now: now, policy: policy) {
                case .revokeFamily:
                    return .reuseDetected(familyId: family, removedGrants: try Self.removeFamily(family, statements, connection))
                case .rotate:
                    try connection.run(statements.markRotated, [.date(now), .text(family), .text(successor.key), .text(key)])
                    updated.consumedTime = now
                case .reuseWithinGrace:
                    try connection.run(statements.markReused, [.text(family), .text(successor.key), .text(key)])
                    updated.reuseCount += 1
                }
                updated.familyId = family
                updated.successorKey = successor.key
                var member = successor
                member.familyId = family
                try connection.run(statements.upsert, SQLTables.Grants.values(member))
                return updated.consumedTime == presented.consumedTime ? .reusedWithinGrace(updated) : .rotated(updated)
            }
        }
    }

    /// Removes every grant of the family `familyId` (the grants whose `PersistedGrant.familyId` it is, and the grant
    /// with that key if it has no family) and returns how many. Atomic with respect to rotations: a rotation of a
    /// member never leaves a successor behind. Missing family: 0.
    @discardableResult
    public func removeFamily(_ familyId: String) async throws -> Int {
        try FieldValidation.key(familyId, "family id")
        let statements = statements
        return try await database.transaction { connection in try Self.removeFamily(familyId, statements, connection) }
    }

    /// Deletes the family's grants pass after pass until a pass removes none (see the type's comment); returns how many.
    static func removeFamily(_ familyId: String, _ statements: Statements, _ connection: Database.Connection) throws -> Int {
        var removed = 0
        while true {
            let pass = try connection.run(statements.deleteFamilyMembers, [.text(familyId)])
                + connection.run(statements.deleteFamilyOfOne, [.text(familyId)])
            if pass == 0 { return removed }
            removed += pass
        }
    }

    /// The outcome row of a rotation routine (see ``SQLDialect/RefreshRotationStyle/routine(call:)``).
    static func outcome(_ row: Database.Connection.Row) throws -> RefreshTokenRotation {
        let code = try row.text(0)
        switch code {
        case "r": return .rotated(try SQLTables.Grants.decode(row, first: 3))
        case "g": return .reusedWithinGrace(try SQLTables.Grants.decode(row, first: 3))
        case "d": return .reuseDetected(familyId: try row.text(2), removedGrants: try row.int(1))
        case "n": return .notFound
        default: throw IdentityStorageError.corruptedData("the refresh-token rotation routine answered an unknown outcome '\(code)'")
        }
    }
}
