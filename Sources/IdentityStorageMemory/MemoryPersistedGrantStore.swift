import Foundation
import IdentityStorage

/// Persisted grants in memory. Every primitive is one lock hold, so take and consume have exactly one winner.
public final class MemoryPersistedGrantStore: PersistedGrantStore {
    private struct State {
        var grants: [ExactString: StoredGrant] = [:]
    }

    private let state: MemoryTable<State>
    private let clock: any WallClock

    /// An empty store whose expiry decisions read `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        state = MemoryTable(State())
        self.clock = clock
    }

    /// A store over the same data as `other`, judging time by `clock`.
    init(sharingDataWith other: MemoryPersistedGrantStore, clock: any WallClock) {
        state = other.state
        self.clock = clock
    }

    public func storeGrant(_ grant: PersistedGrant) async throws {
        try grant.validate()
        let stored = StoredGrant(grant.atStoragePrecision)
        state.withLock { $0.grants[ExactString(grant.key)] = stored }
    }

    public func grant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try state.withLock { state throws(IdentityStorageError) in try state.grants[ExactString(key)]?.decoded() }
    }

    public func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        let normalized = filter.normalized
        if normalized.matchesNothing { return [] }
        return try state.withLock { state throws(IdentityStorageError) in
            try state.grants.values.filter { normalized.matches($0.fields) }.map { stored throws(IdentityStorageError) in try stored.decoded() }
        }
    }

    @discardableResult
    public func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return state.withLock { $0.grants.removeValue(forKey: ExactString(key)) != nil }
    }

    @discardableResult
    public func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        let normalized = filter.normalized
        if normalized.matchesNothing { return 0 }
        return state.withLock { state in
            let doomed = state.grants.filter { normalized.matches($0.value.fields) }.keys
            for key in doomed {
                state.grants.removeValue(forKey: key)
            }
            return doomed.count
        }
    }

    public func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try state.withLock { state throws(IdentityStorageError) in
            let exact = ExactString(key)
            guard let grant = try state.grants[exact]?.decoded() else { return nil }
            state.grants.removeValue(forKey: exact)
            return grant
        }
    }

    public func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let now = clock.now.roundedToStoragePrecision
        return try state.withLock { state throws(IdentityStorageError) in
            let exact = ExactString(key)
            guard var grant = try state.grants[exact]?.decoded(), grant.consumedTime == nil else { return nil }
            grant.consumedTime = now
            state.grants[exact]?.fields.consumedTime = now
            return grant
        }
    }

    public func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation {
        try validateRotation(presented: key, successor: successor, policy: policy)
        let now = clock.now.roundedToStoragePrecision
        let successor = successor.atStoragePrecision
        return try state.withLock { state throws(IdentityStorageError) in
            let exact = ExactString(key)
            guard var presented = try state.grants[exact]?.decoded(), presented.clientId.exactlyEquals(successor.clientId),
                  presented.expiration.map({ $0 > now }) ?? true else { return .notFound }
            let family = presented.family
            let decision = RefreshTokenDecision(consumedTime: presented.consumedTime, reuseCount: presented.reuseCount, now: now, policy: policy)
            switch decision {
            case .rotate:
                presented.consumedTime = now
            case .reuseWithinGrace:
                presented.reuseCount += 1
            case .revokeFamily:
                let doomed = state.grants.filter { String.exactlyEqual($0.value.fields.family, family) }.keys
                for member in doomed { state.grants.removeValue(forKey: member) }
                return .reuseDetected(familyId: family, removedGrants: doomed.count)
            }
            presented.familyId = family
            presented.successorKey = successor.key
            var stored = successor
            stored.familyId = family
            state.grants[exact] = StoredGrant(presented)
            state.grants[ExactString(stored.key)] = StoredGrant(stored)
            return decision == .rotate ? .rotated(presented) : .reusedWithinGrace(presented)
        }
    }

    @discardableResult
    public func removeFamily(_ familyId: String) async throws -> Int {
        try FieldValidation.key(familyId, "family id")
        return try await removeGrants(matching: PersistedGrantFilter(familyId: familyId))
    }

    // MARK: Cleanup

    func removeExpired(before now: Date, limit: Int) -> [PersistedGrant] {
        state.withLock { state in
            Self.remove(from: &state, limit: limit) { grant in grant.expiration.flatMap { $0 < now ? $0 : nil } }
        }
    }

    func removeConsumed(before threshold: Date, limit: Int) -> [PersistedGrant] {
        state.withLock { state in
            Self.remove(from: &state, limit: limit) { grant in grant.consumedTime.flatMap { $0 < threshold ? $0 : nil } }
        }
    }

    /// Removes up to `limit` grants for which `sortKey` is non-nil, smallest first.
    private static func remove(from state: inout State, limit: Int, sortKey: (PersistedGrant) -> Date?) -> [PersistedGrant] {
        var candidates: [(key: ExactString, at: Date)] = []
        for (key, stored) in state.grants {
            if let at = sortKey(stored.fields) { candidates.append((key, at)) }
        }
        candidates.sort { lhs, rhs in lhs.at != rhs.at ? lhs.at < rhs.at : lhs.key < rhs.key }
        return candidates.prefix(limit).map { key, _ in state.grants.removeValue(forKey: key)!.decodedLossily }
    }

    /// Package hook for the conformance suite's corrupted-data case: replaces the grant's stored data bytes.
    package func overwriteStoredData(ofGrant key: String, with bytes: [UInt8]) {
        state.withLock { $0.grants[ExactString(key)]?.data = bytes }
    }
}

/// A grant as memory keeps it: its data as the UTF-8 bytes a database would hold, decoded on every read, so a
/// damaged value fails the way it does on every other backend.
private struct StoredGrant {
    /// Every field but the data (kept empty here).
    var fields: PersistedGrant
    var data: [UInt8]

    init(_ grant: PersistedGrant) {
        fields = grant
        fields.data = ""
        data = Array(grant.data.utf8)
    }

    func decoded() throws(IdentityStorageError) -> PersistedGrant {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .corruptedData("grant \(fields.key) holds data that is not valid UTF-8")
        }
        var grant = fields
        grant.data = text
        return grant
    }

    /// For cleanup, which reports what it removed: damaged bytes become U+FFFD.
    var decodedLossily: PersistedGrant {
        var grant = fields
        grant.data = String(decoding: data, as: UTF8.self)
        return grant
    }
}
