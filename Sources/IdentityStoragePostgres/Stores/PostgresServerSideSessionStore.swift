import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Server-side sessions, one row each. Claiming expired sessions is one
/// `DELETE … WHERE key IN (SELECT … ORDER BY expires, key LIMIT n FOR UPDATE SKIP LOCKED) RETURNING`:
/// concurrent claimers lock disjoint rows and never share a session (nor wait for each other).
struct PostgresServerSideSessionStore: ServerSideSessionStore {
    let database: PostgresDatabase
    let clock: any WallClock

    static let expiredSelection = "SELECT key FROM server_side_sessions WHERE expires < $1 ORDER BY expires, key LIMIT $2 FOR UPDATE SKIP LOCKED"

    func createSession(_ session: ServerSideSession) async throws {
        try session.validate()
        let values = SQLTables.Sessions.values(session)
        try await database.run { connection in
            try connection.run("INSERT INTO server_side_sessions(\(SQLTables.Sessions.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", values)
        }
    }

    func session(forKey key: String) async throws -> ServerSideSession? {
        try FieldValidation.key(key, "session key")
        return try await database.run { connection in
            try connection.query("SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE key = $1", [.text(key)],
                                 SQLTables.Sessions.decode).first
        }
    }

    @discardableResult
    func updateSession(_ session: ServerSideSession) async throws -> Bool {
        try session.validate()
        let values = SQLTables.Sessions.values(session)
        return try await database.run { connection in
            try connection.run("""
                UPDATE server_side_sessions SET scheme = $2, subject_id = $3, session_id = $4, display_name = $5, created = $6, renewed = $7,
                    expires = $8, ticket = $9 WHERE key = $1
                """, values) > 0
        }
    }

    @discardableResult
    func deleteSession(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "session key")
        return try await database.run { connection in
            try connection.run("DELETE FROM server_side_sessions WHERE key = $1", [.text(key)]) > 0
        }
    }

    func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try filter.validate()
        guard let (condition, bindings) = Self.condition(filter) else { return [] }
        return try await database.run { connection in
            try connection.query("SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE \(condition) ORDER BY key", bindings,
                                 SQLTables.Sessions.decode)
        }
    }

    @discardableResult
    func deleteSessions(matching filter: SessionFilter) async throws -> Int {
        try filter.validate()
        guard let (condition, bindings) = Self.condition(filter) else { return 0 }
        return try await database.run { connection in
            try connection.run("DELETE FROM server_side_sessions WHERE \(condition)", bindings)
        }
    }

    func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] {
        try FieldValidation.positive(limit, "limit")
        let now = clock.now
        let claimed = try await database.run { connection in
            try connection.query("""
                DELETE FROM server_side_sessions WHERE key IN (\(Self.expiredSelection))
                RETURNING \(SQLTables.Sessions.columns)
                """, [.date(now), .int(limit)], SQLTables.Sessions.decode)
        }
        // RETURNING order is unspecified: restore oldest-expiry-first.
        return claimed.sorted { ($0.expires!, ExactString($0.key)) < ($1.expires!, ExactString($1.key)) }
    }

    func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        // One REPEATABLE READ transaction on one connection, so the page and its counts see one snapshot.
        try await database.run { connection in
            try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { () throws -> QueryResult<ServerSideSession> in
                try SessionPaging.page(query, from: Source(connection: connection, query: query))
            }
        }
    }

    /// The filter's condition; nil when it can match nothing (both fields blank).
    private static func condition(_ filter: SessionFilter) -> (String, [SQLValue])? {
        SessionSQL.filterCondition(filter, dialect: .postgres).map { ($0.sql, $0.values) }
    }

    /// The query's substring filters as SQL (``SessionSQL``; `strpos` compares bytes, as the in-memory adapter does).
    private struct Source: SessionPageSource {
        let connection: PostgresConnection
        let query: SessionQuery

        /// Parameters numbered after `first` fixed ones.
        private func filter(after first: Int) -> (String, [SQLValue]) {
            let condition = SessionSQL.queryCondition(query, dialect: .postgres, firstParameter: first + 1)
            return (condition.sql, condition.values)
        }

        func sessions(after key: String?, limit: Int) throws -> [ServerSideSession] {
            if let key {
                let (condition, bindings) = filter(after: 2)
                return try connection.query("""
                    SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE key > $1 AND \(condition) ORDER BY key LIMIT $2
                    """, [.text(key), .int(limit)] + bindings, SQLTables.Sessions.decode)
            }
            let (condition, bindings) = filter(after: 1)
            return try connection.query("""
                SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE \(condition) ORDER BY key LIMIT $1
                """, [.int(limit)] + bindings, SQLTables.Sessions.decode)
        }

        func sessions(before key: String, limit: Int) throws -> [ServerSideSession] {
            let (condition, bindings) = filter(after: 2)
            return try connection.query("""
                SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE key < $1 AND \(condition) ORDER BY key DESC LIMIT $2
                """, [.text(key), .int(limit)] + bindings, SQLTables.Sessions.decode)
        }

        func count(_ range: SessionKeyRange) throws -> Int {
            let (bound, boundBindings): (String, [SQLValue]) = switch range {
            case .all: ("true", [])
            case .before(let key): ("key < $1", [.text(key)])
            case .after(let key): ("key > $1", [.text(key)])
            }
            let (condition, bindings) = filter(after: boundBindings.count)
            return try connection.query("SELECT count(*) FROM server_side_sessions WHERE \(bound) AND \(condition)",
                                        boundBindings + bindings) { try $0.int(0) }.first ?? 0
        }
    }
}
