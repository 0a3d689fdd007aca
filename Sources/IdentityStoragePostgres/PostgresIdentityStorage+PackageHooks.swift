import IdentityStorage
import IdentityStorageSQL

// Hooks for this package's tests and tools (`package` access): nothing outside the package sees them.
extension PostgresIdentityStorage {
    /// Test hook: runs a read-only `sql` as the stores' reads run (stopped when the caller is cancelled); returns
    /// how many rows it returned.
    package func readRaw(_ sql: String) async throws -> Int {
        try await database.read { connection in try connection.query(sql, []) { _ in () }.count }
    }

    /// Test hook: runs raw SQL (parameters as text, not prepared); returns the rows as text (NULL as nil,
    /// `bytea` as its bytes read as UTF-8). Errors are mapped as the stores map them.
    @discardableResult
    package func executeRaw(_ sql: String, _ textArguments: [String] = []) async throws -> [[String?]] {
        try await database.run { connection in
            try connection.query(sql, textArguments.map(SQLValue.text), cached: false) { row in
                try (0..<row.columnCount).map { column -> String? in
                    if row.isNull(column) { return nil }
                    if row.isInteger(column) { return String(try row.int64(column)) }
                    return try row.text(column)
                }
            }
        }
    }

    /// Test hook: runs `sql` as a standalone statement, as the grant store's hot statements run (in one pipeline with
    /// the standalone statements queued beside it); returns the first column of each row as text.
    package func standaloneRaw(_ sql: String, _ textArguments: [String] = []) async throws -> [String] {
        try await database.standaloneQuery(sql, textArguments.map(SQLValue.text), writes: false) { row in try row.text(0) }
    }

    /// Test hook: runs `sql` (several statements allowed, no parameters) on one connection of the pool.
    package func executeScript(_ sql: String) async throws {
        try await database.run { connection in try connection.executeScript(sql) }
    }

    /// Test hook: statements sent to the server so far by every connection (each one round trip;
    /// preparing a statement, once per connection, is one more).
    package var roundTrips: Int { database.roundTrips.value }

    /// Test hook: every statement that selects rows by something other than a primary key, with sample
    /// arguments, so tests can check with `EXPLAIN` that each one uses an index.
    package static func indexedStatements() throws -> [(name: String, sql: String, arguments: [String])] {
        var statements: [(name: String, sql: String, arguments: [String])] = []
        for (name, filter) in GrantFilterSQL.allShapes() {
            guard let (condition, values) = try GrantFilterSQL.condition(filter, dialect: .postgres) else { continue }
            let arguments = values.map { value -> String in if case .text(let text) = value { return text } else { return "" } }
            statements.append(("grants filter " + name, "SELECT key FROM persisted_grants WHERE \(condition)", arguments))
        }
        for (name, sql) in SQLCleanupStore<PostgresDatabase>.Batches(.postgres).selections {
            statements.append(("cleanup " + name, sql, ["0", "10"]))
        }
        let list = SQLDialect.postgres.inJSONArray
        statements += [
            ("device by user code", "SELECT device_code FROM device_codes WHERE user_code = $1", ["u"]),
            ("sessions by subject", "SELECT key FROM server_side_sessions WHERE subject_id = $1", ["s"]),
            ("sessions by session id", "SELECT key FROM server_side_sessions WHERE session_id = $1", ["x"]),
            ("sessions by subject and session id", "SELECT key FROM server_side_sessions WHERE subject_id = $1 AND session_id = $2", ["s", "x"]),
            ("backchannel logins", "SELECT internal_id FROM backchannel_requests WHERE subject_id = $1", ["s"]),
            ("backchannel logins of a client", "SELECT internal_id FROM backchannel_requests WHERE subject_id = $1 AND client_id = $2", ["s", "c"]),
            ("cors origin", "SELECT 1 FROM client_cors_origins WHERE origin = $1 LIMIT 1", ["https://a"]),
            ("cors origins of a client", "DELETE FROM client_cors_origins WHERE client_id = $1", ["c"]),
            ("identity resources by name", "SELECT name, document FROM identity_resources WHERE \(list("name", "$1"))", ["[\"s\"]"]),
            ("api resources by scope", "SELECT resource_name FROM api_resource_scopes WHERE \(list("scope", "$1"))", ["[\"s\"]"]),
            ("api resource scopes of a resource", "DELETE FROM api_resource_scopes WHERE resource_name = $1", ["r"]),
            ("signing keys created after", "SELECT 1 FROM signing_keys WHERE created > $1::bigint", ["0"]),
        ]
        return statements
    }
}
