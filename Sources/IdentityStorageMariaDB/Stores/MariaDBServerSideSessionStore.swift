import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Server-side sessions, one row each. Claiming is a short transaction: `SELECT … ORDER BY expires
/// LIMIT n FOR UPDATE SKIP LOCKED` picks rows no other claimer holds, then they are deleted and returned,
/// so concurrent claimers (on any number of instances) never share a session.
struct MariaDBServerSideSessionStore: ServerSideSessionStore {
    let database: MariaDBDatabase
    let clock: any WallClock

    static let columns = MariaDBSQL.quoted(SQLTables.Sessions.columns)
    static let expiredSelection = """
        SELECT \(columns) FROM server_side_sessions FORCE INDEX (server_side_sessions_expires)
        WHERE expires < ? ORDER BY expires, `key` LIMIT ? FOR UPDATE SKIP LOCKED
        """
    static let deletion = MariaDBSQL.deleteByKeys(table: "server_side_sessions", key: "key")

    func createSession(_ session: ServerSideSession) async throws {
        try session.validate()
        let values = SQLTables.Sessions.values(session)
        try await database.run { connection in
            try connection.run("INSERT INTO server_side_sessions(\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        }
    }

    func session(forKey key: String) async throws -> ServerSideSession? {
        try FieldValidation.key(key, "session key")
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM server_side_sessions WHERE `key` = ?", [.text(key)], SQLTables.Sessions.decode).first
        }
    }

    @discardableResult
    func updateSession(_ session: ServerSideSession) async throws -> Bool {
        try session.validate()
        var reordered = SQLTables.Sessions.values(session)
        reordered.append(reordered.removeFirst())
        let bindings = reordered
        let key = session.key
        return try await database.run { connection in
            try connection.updateExisting("""
                UPDATE server_side_sessions SET scheme = ?, subject_id = ?, session_id = ?, display_name = ?, created = ?, renewed = ?,
                    expires = ?, ticket = ? WHERE `key` = ?
                """, bindings, exists: "SELECT 1 FROM server_side_sessions WHERE `key` = ?", [.text(key)])
        }
    }

    @discardableResult
    func deleteSession(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "session key")
        return try await database.run { connection in
            try connection.run("DELETE FROM server_side_sessions WHERE `key` = ?", [.text(key)]) > 0
        }
    }

    func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try filter.validate()
        guard let (condition, bindings) = Self.condition(filter) else { return [] }
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM server_side_sessions WHERE \(condition) ORDER BY `key`", bindings, SQLTables.Sessions.decode)
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
        return try await database.transaction { connection in
            let claimed = try connection.query(Self.expiredSelection, [.date(now), .int(limit)], SQLTables.Sessions.decode)
            if !claimed.isEmpty {
                // This transaction holds every claimed row's lock: the delete removes exactly these.
                try connection.run(Self.deletion, [.text(try StorageJSON.string(claimed.map(\.key)))])
            }
            return claimed
        }
    }

    func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        // One transaction on one connection, so the page and its counts see one snapshot.
        try await database.transaction { connection in
            try SessionPaging.page(query, from: Source(connection: connection, query: query))
        }
    }

    private static func condition(_ filter: SessionFilter) -> (String, [SQLValue])? {
        SessionSQL.filterCondition(filter, dialect: .mariadb).map { ($0.sql, $0.values) }
    }

    /// The query's substring filters as SQL (`INSTR` under the binary collation compares code points
    /// exactly, as the in-memory adapter does).
    private struct Source: SessionPageSource {
        let connection: MariaDBConnection
        let query: SessionQuery

        private var filter: (String, [SQLValue]) {
            let condition = SessionSQL.queryCondition(query, dialect: .mariadb)
            return (condition.sql, condition.values)
        }

        func sessions(after key: String?, limit: Int) throws -> [ServerSideSession] {
            let (condition, bindings) = filter
            if let key {
                return try connection.query("""
                    SELECT \(MariaDBServerSideSessionStore.columns) FROM server_side_sessions WHERE `key` > ? AND \(condition) ORDER BY `key` LIMIT ?
                    """, [.text(key)] + bindings + [.int(limit)], SQLTables.Sessions.decode)
            }
            return try connection.query("""
                SELECT \(MariaDBServerSideSessionStore.columns) FROM server_side_sessions WHERE \(condition) ORDER BY `key` LIMIT ?
                """, bindings + [.int(limit)], SQLTables.Sessions.decode)
        }

        func sessions(before key: String, limit: Int) throws -> [ServerSideSession] {
            let (condition, bindings) = filter
            return try connection.query("""
                SELECT \(MariaDBServerSideSessionStore.columns) FROM server_side_sessions WHERE `key` < ? AND \(condition) ORDER BY `key` DESC LIMIT ?
                """, [.text(key)] + bindings + [.int(limit)], SQLTables.Sessions.decode)
        }

        func count(_ range: SessionKeyRange) throws -> Int {
            let (condition, bindings) = filter
            let (bound, boundBindings): (String, [SQLValue]) = switch range {
            case .all: ("TRUE", [])
            case .before(let key): ("`key` < ?", [.text(key)])
            case .after(let key): ("`key` > ?", [.text(key)])
            }
            return try connection.query("SELECT COUNT(*) FROM server_side_sessions WHERE \(bound) AND \(condition)",
                                        boundBindings + bindings) { try $0.int(0) }.first ?? 0
        }
    }
}
