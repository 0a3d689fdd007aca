import Foundation
import IdentityStorage
import IdentityStorageSQL

// Hooks for this package's tests and tools (`package` access): nothing outside the package sees them.
extension SQLiteIdentityStorage {
    /// Test hook: runs a read-only `sql` as the stores' reads run (stopped when the caller is cancelled); returns
    /// how many rows it returned.
    package func readRaw(_ sql: String) async throws -> Int {
        try await database.read { connection in try connection.query(sql, []) { _ in () }.count }
    }

    /// Test hook: whether a read runs on a pool thread (not on its caller's).
    package func readsOnAPoolThread() async throws -> Bool {
        let database = database
        return try await database.read { _ in database.ownsCurrentThread }
    }

    /// Test hook: whether a write runs on the writer's thread (not on its caller's).
    package func writesOnAPoolThread() async throws -> Bool {
        let database = database
        return try await database.write { _ in database.ownsCurrentThread }
    }

    /// Test hook: runs raw SQL on the writer, outside a transaction (it may be a checkpoint), for corrupting rows on purpose.
    package func executeRaw(_ sql: String, _ textArguments: [String] = []) async throws {
        try await database.writeOutsideTransaction { connection in
            _ = try connection.run(sql, textArguments.map(SQLValue.text))
        }
    }

    /// Test hook: every statement that selects rows by something other than a primary key, with sample
    /// arguments, so tests can check that each one uses an index.
    package static func indexedStatements() throws -> [(name: String, sql: String, arguments: [String])] {
        var statements: [(name: String, sql: String, arguments: [String])] = []
        for (name, filter) in GrantFilterSQL.allShapes() {
            guard let (condition, values) = try GrantFilterSQL.condition(filter, dialect: .sqlite) else { continue }
            let arguments = values.map { value -> String in if case .text(let text) = value { return text } else { return "" } }
            statements.append(("grants filter " + name, "SELECT key FROM persisted_grants WHERE \(condition)", arguments))
        }
        for (name, sql) in SQLCleanupStore<SQLiteDatabase>.Batches(.sqlite).selections {
            statements.append(("cleanup " + name, sql, ["0", "10"]))
        }
        statements += [
            ("device by user code", "SELECT device_code FROM device_codes WHERE user_code = ?", ["u"]),
            ("sessions by subject", "SELECT key FROM server_side_sessions WHERE subject_id = ?", ["s"]),
            ("sessions by session id", "SELECT key FROM server_side_sessions WHERE session_id = ?", ["x"]),
            ("backchannel logins", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ?", ["s"]),
            ("backchannel logins of a client", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ? AND client_id = ?", ["s", "c"]),
            ("cors origin", "SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1", ["https://a"]),
            ("api resources by scope", "SELECT resource_name FROM api_resource_scopes WHERE scope IN (SELECT value FROM json_each(?))", ["[\"s\"]"]),
            ("signing keys created after", "SELECT 1 FROM signing_keys WHERE created > ?", ["0"]),
        ]
        return statements
    }

    /// Test hook: the query plan SQLite chooses for `sql`, one line per step.
    package func queryPlan(_ sql: String, _ arguments: [String] = []) async throws -> [String] {
        try await database.read { connection in
            try connection.query("EXPLAIN QUERY PLAN " + sql, arguments.map(SQLValue.text)) { row in try row.text(3) }
        }
    }
}
