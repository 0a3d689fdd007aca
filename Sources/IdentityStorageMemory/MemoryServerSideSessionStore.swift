import Foundation
import IdentityStorage

/// Server-side sessions in memory, keyed byte-exactly; paging follows `SessionPaging`.
public final class MemoryServerSideSessionStore: ServerSideSessionStore {
    private let sessions: MemoryTable<[ExactString: ServerSideSession]>
    private let clock: any WallClock

    /// An empty store whose expiry decisions read `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        sessions = MemoryTable([:])
        self.clock = clock
    }

    /// A store over the same data as `other`, judging time by `clock`.
    init(sharingDataWith other: MemoryServerSideSessionStore, clock: any WallClock) {
        sessions = other.sessions
        self.clock = clock
    }

    public func createSession(_ session: ServerSideSession) async throws {
        try session.validate()
        try sessions.withLock { sessions throws(IdentityStorageError) in
            let key = ExactString(session.key)
            guard sessions[key] == nil else { throw .duplicate("a session with this key is already stored") }
            sessions[key] = session.atStoragePrecision
        }
    }

    public func session(forKey key: String) async throws -> ServerSideSession? {
        try FieldValidation.key(key, "session key")
        return sessions.withLock { $0[ExactString(key)] }
    }

    @discardableResult
    public func updateSession(_ session: ServerSideSession) async throws -> Bool {
        try session.validate()
        return sessions.withLock { sessions in
            let key = ExactString(session.key)
            guard sessions[key] != nil else { return false }
            sessions[key] = session.atStoragePrecision
            return true
        }
    }

    @discardableResult
    public func deleteSession(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "session key")
        return sessions.withLock { $0.removeValue(forKey: ExactString(key)) != nil }
    }

    public func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try filter.validate()
        return sessions.withLock { sessions in
            sessions.filter { filter.matches($0.value) }.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    @discardableResult
    public func deleteSessions(matching filter: SessionFilter) async throws -> Int {
        try filter.validate()
        return sessions.withLock { sessions in
            let doomed = sessions.filter { filter.matches($0.value) }.keys
            for key in doomed { sessions.removeValue(forKey: key) }
            return doomed.count
        }
    }

    public func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] {
        try FieldValidation.positive(limit, "limit")
        let now = clock.now
        return sessions.withLock { sessions in
            var expired: [(key: ExactString, expires: Date)] = []
            for (key, session) in sessions {
                if let expires = session.expires, expires < now { expired.append((key, expires)) }
            }
            expired.sort { lhs, rhs in lhs.expires != rhs.expires ? lhs.expires < rhs.expires : lhs.key < rhs.key }
            return expired.prefix(limit).map { sessions.removeValue(forKey: $0.key)! }
        }
    }

    public func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        // One snapshot under the lock, so the page and its counts agree.
        let matching = sessions.withLock { sessions in
            sessions.filter { query.matches($0.value) }.sorted { $0.key < $1.key }.map(\.value)
        }
        return try SessionPaging.page(query, from: Snapshot(sorted: matching))
    }

    /// Matching sessions sorted by key, served as a ``SessionPageSource``.
    private struct Snapshot: SessionPageSource {
        let sorted: [ServerSideSession]

        func sessions(after key: String?, limit: Int) -> [ServerSideSession] {
            let start = key.map { key in sorted.firstIndex { ExactString(key) < ExactString($0.key) } ?? sorted.endIndex } ?? 0
            return Array(sorted[start...].prefix(limit))
        }

        func sessions(before key: String, limit: Int) -> [ServerSideSession] {
            Array(sorted.filter { ExactString($0.key) < ExactString(key) }.reversed().prefix(limit))
        }

        func count(_ range: SessionKeyRange) -> Int {
            switch range {
            case .all: return sorted.count
            case .before(let key): return sorted.count { ExactString($0.key) < ExactString(key) }
            case .after(let key): return sorted.count { ExactString(key) < ExactString($0.key) }
            }
        }
    }
}
