import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Server-side sessions, one row each. Claiming is one `DELETE … WHERE key IN (… LIMIT n) RETURNING`
/// on the single writer, so concurrent claimers never share a session.
struct SQLiteServerSideSessionStore: ServerSideSessionStore {
    let database: SQLiteDatabase
    let clock: any WallClock

    static let expiredSelection = "SELECT key FROM server_side_sessions WHERE expires < ?1 ORDER BY expires, key LIMIT ?2"

    func createSession(_ session: ServerSideSession) async throws {
        try session.validate()
        try await database.write { connection in
            try connection.run("INSERT INTO server_side_sessions(\(SQLTables.Sessions.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", SQLTables.Sessions.values(session))
        }
    }

    func session(forKey key: String) async throws -> ServerSideSession? {
        try FieldValidation.key(key, "session key")
        return try await database.read { connection in
            try connection.query("SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE key = ?", [.text(key)], SQLTables.Sessions.decode).first
        }
    }

    @discardableResult
    func updateSession(_ session: ServerSideSession) async throws -> Bool {
        try session.validate()
        var reordered = SQLTables.Sessions.values(session)
        reordered.append(reordered.removeFirst())
        let bindings = reordered
        return try await database.write { connection in
            try connection.run("""
                UPDATE server_side_sessions SET scheme = ?, subject_id = ?, session_id = ?, display_name = ?, created = ?, renewed = ?,
                    expires = ?, ticket = ? WHERE key = ?
                """, bindings) > 0
        }
    }

    @discardableResult
    func deleteSession(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "session key")
        return try await database.write { connection in
            try connection.run("DELETE FROM server_side_sessions WHERE key = ?", [.text(key)]) > 0
        }
    }

    func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try filter.validate()
        let (condition, bindings) = Self.condition(filter)
        return try await database.read { connection in
            try connection.query("SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions WHERE \(condition) ORDER BY key", bindings, SQLTables.Sessions.decode)
        }
    }

    @discardableResult
    func deleteSessions(matching filter: SessionFilter) async throws -> Int {
        try filter.validate()
        let (condition, bindings) = Self.condition(filter)
        return try await database.write { connection in
            try connection.run("DELETE FROM server_side_sessions WHERE \(condition)", bindings)
        }
    }

    func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] {
        try FieldValidation.positive(limit, "limit")
        let now = clock.now
        let claimed = try await database.write { connection in
            try connection.query("""
                DELETE FROM server_side_sessions WHERE key IN (\(Self.expiredSelection))
                RETURNING \(SQLTables.Sessions.columns)
                """, [.date(now), .int(limit)], SQLTables.Sessions.decode)
        }
        // RETURNING order is unspecified: restore oldest-expiry-first.
        return claimed.sorted { ($0.expires!, ExactString($0.key)) < ($1.expires!, ExactString($1.key)) }
    }

    func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        // One read transaction on one connection, so the page and its counts see one snapshot.
        let matching = try await database.read { connection in
            try connection.transaction(immediate: false) { () throws -> QueryResult<ServerSideSession> in
                try SessionPaging.page(query, from: Source(connection: connection, query: query))
            }
        }
        return matching
    }

    private static func condition(_ filter: SessionFilter) -> (String, [SQLValue]) {
        SessionSQL.filterCondition(filter, dialect: .sqlite).map { ($0.sql, $0.values) } ?? ("0", [])
    }

    /// The query's substring filters as SQL (`instr` compares bytes, as the in-memory adapter does).
    private struct Source: SessionPageSource {
        let connection: SQLiteConnection
        let query: SessionQuery

        private var filter: (String, [SQLValue]) {
            let condition = SessionSQL.queryCondition(query, dialect: .sqlite)
            return (condition.sql, condition.values)
        }

        func sessions(after key: String?, limit: Int) throws -> [ServerSideSession] {
            let (condition, bindings) = filter
            return try connection.query("""
                SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions
                WHERE (? IS NULL OR key > ?) AND \(condition) ORDER BY key LIMIT ?
                """, [.optionalText(key), .optionalText(key)] + bindings + [.int(limit)], SQLTables.Sessions.decode)
        }

        func sessions(before key: String, limit: Int) throws -> [ServerSideSession] {
            let (condition, bindings) = filter
            return try connection.query("""
                SELECT \(SQLTables.Sessions.columns) FROM server_side_sessions
                WHERE key < ? AND \(condition) ORDER BY key DESC LIMIT ?
                """, [.text(key)] + bindings + [.int(limit)], SQLTables.Sessions.decode)
        }

        func count(_ range: SessionKeyRange) throws -> Int {
            let (condition, bindings) = filter
            let (bound, boundBindings): (String, [SQLValue]) = switch range {
            case .all: ("1", [])
            case .before(let key): ("key < ?", [.text(key)])
            case .after(let key): ("key > ?", [.text(key)])
            }
            return try connection.query("SELECT count(*) FROM server_side_sessions WHERE \(bound) AND \(condition)",
                                        boundBindings + bindings) { try $0.int(0) }.first ?? 0
        }
    }
}
