import Foundation
import IdentityStorage

/// Server-side sessions on any SQL adapter, one row each. Claiming expired sessions removes one batch of
/// expired rows as the cleanup store does, so concurrent claimers (on any number of instances) never share a session;
/// a query page and its counts come from one snapshot (``SQLDatabase/snapshot(_:)``).
public struct SQLServerSideSessionStore<Database: SQLDatabase>: ServerSideSessionStore {
    let database: Database
    let clock: any WallClock
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let dialect: SQLDialect
        let columns, insert, byKey, update, exists, delete: String
        /// The batch that claims expired sessions (shared with the cleanup index tests).
        let expired: SQLExpiryBatch

        /// The statements for `dialect`.
        init(_ dialect: SQLDialect) {
            self.dialect = dialect
            let key = dialect.quoted("key")
            columns = dialect.columns(SQLTables.Sessions.columns)
            insert = dialect.translate("INSERT INTO server_side_sessions(\(columns)) VALUES (\(SQLDialect.placeholders(SQLTables.Sessions.count)))")
            byKey = dialect.translate("SELECT \(columns) FROM server_side_sessions WHERE \(key) = ?")
            update = dialect.translate("""
                UPDATE server_side_sessions SET scheme = ?, subject_id = ?, session_id = ?, display_name = ?, created = ?, renewed = ?, \
                expires = ?, ticket = ? WHERE \(key) = ?
                """)
            exists = dialect.translate("SELECT 1 FROM server_side_sessions WHERE \(key) = ?")
            delete = dialect.translate("DELETE FROM server_side_sessions WHERE \(key) = ?")
            expired = .expiredSessions(dialect)
        }
    }

    /// A store over `database` judging expiry by `clock`.
    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
        self.statements = Statements(database.dialect)
    }

    /// Stores a new session. An existing key gives `IdentityStorageError.Code.duplicate`
    /// and leaves the stored session unchanged.
    public func createSession(_ session: ServerSideSession) async throws {
        try session.validate()
        let values = SQLTables.Sessions.values(session)
        let sql = statements.insert
        try await database.write { connection in
            try connection.run(sql, values)
        }
    }

    /// The session with exactly this key; nil when none. Expired sessions are returned until claimed.
    public func session(forKey key: String) async throws -> ServerSideSession? {
        try FieldValidation.key(key, "session key")
        let sql = statements.byKey
        return try await database.read { connection in
            try connection.query(sql, [.text(key)]) { try SQLTables.Sessions.decode($0) }.first
        }
    }

    /// Replaces the session with the same key, only if it exists (a renewal never resurrects a deleted
    /// session). Returns false when there is none.
    @discardableResult
    public func updateSession(_ session: ServerSideSession) async throws -> Bool {
        try session.validate()
        var reordered = SQLTables.Sessions.values(session)
        reordered.append(reordered.removeFirst())
        let bindings = reordered
        let key = session.key
        let statements = statements
        return try await database.write { connection in
            try connection.updateExisting(statements.update, bindings, exists: statements.exists, [.text(key)])
        }
    }

    /// Deletes the session; false when there was none (never an error).
    @discardableResult
    public func deleteSession(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "session key")
        let sql = statements.delete
        return try await database.write { connection in
            try connection.run(sql, [.text(key)]) > 0
        }
    }

    /// Sessions matching `filter` exactly, in byte order of key. A blank filter throws `IdentityStorageError.Code.invalidArgument`.
    public func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try filter.validate()
        guard let condition = SessionSQL.filterCondition(filter, dialect: statements.dialect) else { return [] }
        let sql = "SELECT \(statements.columns) FROM server_side_sessions WHERE \(condition.sql) ORDER BY \(statements.dialect.quoted("key"))"
        return try await database.read { connection in
            try connection.query(sql, condition.values) { try SQLTables.Sessions.decode($0) }
        }
    }

    /// Deletes sessions matching `filter`; returns how many this call deleted.
    @discardableResult
    public func deleteSessions(matching filter: SessionFilter) async throws -> Int {
        try filter.validate()
        guard let condition = SessionSQL.filterCondition(filter, dialect: statements.dialect) else { return 0 }
        let sql = "DELETE FROM server_side_sessions WHERE \(condition.sql)"
        return try await database.write { connection in
            try connection.run(sql, condition.values)
        }
    }

    /// Deletes and returns up to `limit` sessions whose `ServerSideSession.expires` is before the store's
    /// clock time, oldest expiry first. Sessions without an expiry are never claimed. Concurrent callers
    /// (on any number of instances) never receive the same session.
    public func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] {
        try await statements.expired.remove(
            from: database, before: clock.now, limit: limit, decode: { try SQLTables.Sessions.decode($0) }, key: \.key,
            precedes: { ($0.expires!, ExactString($0.key)) < ($1.expires!, ExactString($1.key)) })
    }

    /// A page of sessions under upstream's paging rules (§1.6), ordered by key in byte order.
    public func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        let statements = statements
        return try await database.snapshot { connection in
            try SessionPaging.page(query, from: Source(connection: connection, query: query, statements: statements))
        }
    }

    /// The pages and counts of a ``SessionQuery`` (``SessionSQL``'s substring condition compares bytes or
    /// code points exactly, as the in-memory adapter does). Parameters are numbered in textual order.
    private struct Source: SessionPageSource {
        let connection: Database.Connection
        let query: SessionQuery
        let statements: Statements

        private var dialect: SQLDialect { statements.dialect }

        /// The query's condition, its parameters numbered after `first` earlier ones.
        private func filter(after first: Int) -> (sql: String, values: [SQLValue]) {
            SessionSQL.queryCondition(query, dialect: dialect, firstParameter: first + 1)
        }

        private func page(_ bound: String?, _ boundValue: SQLValue?, descending: Bool, limit: Int) throws -> [ServerSideSession] {
            let key = dialect.quoted("key")
            let fixed = bound == nil ? 0 : 1
            let condition = filter(after: fixed)
            let bounded = bound.map { "\(key) \($0) \(dialect.placeholder(1)) AND " } ?? ""
            let sql = """
                SELECT \(statements.columns) FROM server_side_sessions WHERE \(bounded)\(condition.sql) \
                ORDER BY \(key)\(descending ? " DESC" : "") LIMIT \(dialect.placeholder(fixed + condition.values.count + 1))
                """
            return try connection.query(sql, (boundValue.map { [$0] } ?? []) + condition.values + [.int(limit)]) {
                try SQLTables.Sessions.decode($0)
            }
        }

        func sessions(after key: String?, limit: Int) throws -> [ServerSideSession] {
            try page(key == nil ? nil : ">", key.map(SQLValue.text), descending: false, limit: limit)
        }

        func sessions(before key: String, limit: Int) throws -> [ServerSideSession] {
            try page("<", .text(key), descending: true, limit: limit)
        }

        func count(_ range: SessionKeyRange) throws -> Int {
            let key = dialect.quoted("key")
            let (bound, boundValues): (String, [SQLValue]) = switch range {
            case .all: ("1 = 1", [])
            case .before(let value): ("\(key) < \(dialect.placeholder(1))", [.text(value)])
            case .after(let value): ("\(key) > \(dialect.placeholder(1))", [.text(value)])
            }
            let condition = filter(after: boundValues.count)
            return try connection.query("SELECT count(*) FROM server_side_sessions WHERE \(bound) AND \(condition.sql)",
                                        boundValues + condition.values) { try $0.int(0) }.first ?? 0
        }
    }
}
