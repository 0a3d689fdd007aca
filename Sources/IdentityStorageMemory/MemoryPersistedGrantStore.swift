import Foundation
import IdentityStorage
import Synchronization

/// Persisted grants in memory. Every primitive is one lock hold, so take and consume have exactly one winner.
public final class MemoryPersistedGrantStore: PersistedGrantStore {
    private struct State {
        var grants: [ExactString: PersistedGrant] = [:]
        var corrupted: Set<ExactString> = []
    }

    private let state = Mutex(State())
    private let clock: any WallClock

    public init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    public func storeGrant(_ grant: PersistedGrant) async throws {
        try grant.validate()
        let stored = grant.atStoragePrecision
        state.withLock {
            $0.grants[ExactString(grant.key)] = stored
            $0.corrupted.remove(ExactString(grant.key))
        }
    }

    public func grant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try state.withLock { state throws(IdentityStorageError) in try Self.read(ExactString(key), in: state) }
    }

    public func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        let normalized = filter.normalized
        if normalized.matchesNothing { return [] }
        return try state.withLock { state throws(IdentityStorageError) in
            try state.grants.filter { normalized.matches($0.value) }.keys.map { key throws(IdentityStorageError) in try Self.read(key, in: state)! }
        }
    }

    @discardableResult
    public func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return state.withLock {
            $0.corrupted.remove(ExactString(key))
            return $0.grants.removeValue(forKey: ExactString(key)) != nil
        }
    }

    @discardableResult
    public func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        let normalized = filter.normalized
        if normalized.matchesNothing { return 0 }
        return state.withLock { state in
            let doomed = state.grants.filter { normalized.matches($0.value) }.keys
            for key in doomed {
                state.grants.removeValue(forKey: key)
                state.corrupted.remove(key)
            }
            return doomed.count
        }
    }

    public func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try state.withLock { state throws(IdentityStorageError) in
            let exact = ExactString(key)
            guard let grant = try Self.read(exact, in: state) else { return nil }
            state.grants.removeValue(forKey: exact)
            return grant
        }
    }

    public func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let now = clock.now.roundedToStoragePrecision
        return try state.withLock { state throws(IdentityStorageError) in
            let exact = ExactString(key)
            guard var grant = try Self.read(exact, in: state), grant.consumedTime == nil else { return nil }
            grant.consumedTime = now
            state.grants[exact] = grant
            return grant
        }
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
        for (key, grant) in state.grants {
            if let at = sortKey(grant) { candidates.append((key, at)) }
        }
        candidates.sort { lhs, rhs in lhs.at != rhs.at ? lhs.at < rhs.at : lhs.key < rhs.key }
        return candidates.prefix(limit).map { key, _ in
            state.corrupted.remove(key)
            return state.grants.removeValue(forKey: key)!
        }
    }

    private static func read(_ key: ExactString, in state: State) throws(IdentityStorageError) -> PersistedGrant? {
        if state.corrupted.contains(key) {
            throw .corruptedData("grant \(key.value) holds data that is not valid UTF-8")
        }
        return state.grants[key]
    }

    /// Test hook: marks the grant's stored data as unreadable.
    @_spi(Testing)
    public func corrupt(key: String) {
        _ = state.withLock { $0.corrupted.insert(ExactString(key)) }
    }
}
