import Foundation
import IdentityStorage
import IdentityStorageSQL

// Hooks for this package's tests and tools (`package` access): nothing outside the package sees them.
extension MariaDBIdentityStorage {
    /// Test hook: runs a read-only `sql` as the stores' reads run (stopped when the caller is cancelled); returns
    /// how many rows it returned.
    package func readRaw(_ sql: String) async throws -> Int {
        try await database.read { connection in try connection.query(sql, []) { _ in () }.count }
    }

    /// Test hook: runs a raw prepared statement with text parameters; returns the rows changed.
    @discardableResult
    package func executeRaw(_ sql: String, _ textArguments: [String] = []) async throws -> Int {
        try await database.run { connection in
            try connection.run(sql, textArguments.map(SQLValue.text))
        }
    }

    /// Test hook: runs raw SQL through the text protocol and returns its rows as text.
    package func queryRaw(_ sql: String) async throws -> [[String?]] {
        try await database.run { connection in try connection.textQuery(sql) }
    }

    /// Test hook: every statement that selects or deletes rows by something other than a primary key,
    /// with sample arguments, so tests can check with EXPLAIN that each one uses an index.
    package static func indexedStatements() throws -> [(name: String, sql: String, arguments: [SQLValue])] {
        var statements: [(name: String, sql: String, arguments: [SQLValue])] = []
        let grants = SQLPersistedGrantStore<MariaDBDatabase>.Statements(.mariadb)
        let resources = SQLResourceStore<MariaDBDatabase>.Statements(.mariadb)
        let batches = SQLCleanupStore<MariaDBDatabase>.Batches(.mariadb)
        for (name, filter) in GrantFilterSQL.allShapes() {
            guard let (listed, listValues) = try GrantFilterSQL.condition(filter, dialect: .mariadb) else { continue }
            let (condition, values) = try MariaDBSQL.expandingLists(listed, listValues)
            statements.append(("grants filter " + name, "SELECT `key` FROM persisted_grants WHERE \(condition)", values))
            statements.append(("grants delete " + name, grants.deleteMatching(condition), [.text("[\"a\",\"b\"]")] + values))
        }
        let wide = PersistedGrantFilter(clientIds: ["c1", "c2", "c3"], types: ["t1", "t2"])
        if let (listed, listValues) = try GrantFilterSQL.condition(wide.normalized, dialect: .mariadb) {
            let (condition, values) = try MariaDBSQL.expandingLists(listed, listValues)
            statements.append(("grants filter 3 clients + 2 types", "SELECT `key` FROM persisted_grants WHERE \(condition)", values))
        }
        for (name, sql) in batches.selections {
            statements.append(("cleanup " + name, sql, [.integer(1_000_000), .integer(10)]))
        }
        for (name, sql) in batches.removals {
            statements.append(("cleanup delete " + name, sql, [.text("[\"a\",\"b\"]")]))
        }
        statements += [
            ("device by user code", "SELECT device_code FROM device_codes WHERE user_code = ?", [.text("u")]),
            ("sessions by subject", "SELECT `key` FROM server_side_sessions WHERE subject_id = ?", [.text("s")]),
            ("sessions by session id", "SELECT `key` FROM server_side_sessions WHERE session_id = ?", [.text("x")]),
            ("sessions by both", "SELECT `key` FROM server_side_sessions WHERE subject_id = ? AND session_id = ?", [.text("s"), .text("x")]),
            ("backchannel logins", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ? AND client_id = ?", [.text("s"), .text("c")]),
            ("backchannel logins of a subject", "SELECT internal_id FROM backchannel_requests WHERE subject_id = ?", [.text("s")]),
            ("cors origin", "SELECT 1 FROM client_cors_origins WHERE origin = ? LIMIT 1", [.text("https://a")]),
            ("cors origins of a client", "DELETE FROM client_cors_origins WHERE client_id = ?", [.text("c")]),
            ("identity resources by name", resources.identityResourcesByName, [.text("[\"a\",\"b\"]")]),
            ("api scopes by name", resources.apiScopesByName, [.text("[\"a\",\"b\"]")]),
            ("api resources by name", resources.apiResourcesByName, [.text("[\"a\",\"b\"]")]),
            ("api resources by scope", resources.apiResourcesByScope, [.text("[\"a\",\"b\"]")]),
            ("api resource scopes of a resource", "DELETE FROM api_resource_scopes WHERE resource_name = ?", [.text("r")]),
            ("signing keys created after", "SELECT 1 FROM signing_keys WHERE created > ? LIMIT 1", [.integer(0)]),
            ("key ring delete by ids", SQLKeyRingStore<MariaDBDatabase>.Statements(.mariadb).deleteByIds, [.text("[1,2]")]),
        ]
        return statements
    }

    /// Test hook: the marker the MariaDB dialect puts after a list parameter.
    package static var listMarker: String { MariaDBSQL.listMarker }

    /// Test hook: the rewrite of marked list parameters into `IN (?, ?, …)` (see `SQLDialect.mariadb`).
    package static func expandingLists(_ sql: String, _ values: [SQLValue]) throws -> (sql: String, values: [SQLValue]) {
        try MariaDBSQL.expandingLists(sql, values)
    }

    /// Test hook: the rows of `EXPLAIN` for `sql` with `arguments` (as the server plans the prepared statement).
    package func explain(_ sql: String, _ arguments: [SQLValue]) async throws -> [[String: String]] {
        try await database.run { connection in
            // EXPLAIN of a prepared statement with parameters: inline the arguments as literals.
            var text = ""
            var remaining = arguments[...]
            var inQuote = false
            for character in sql {
                if character == "'" { inQuote.toggle() }
                if character == "?", !inQuote, let value = remaining.popFirst() {
                    switch value {
                    case .null: text += "NULL"
                    case .integer(let number): text += String(number)
                    case .text(let string): text += try connection.literal(string)
                    case .blob(let bytes): text += "X'" + bytes.map { String(format: "%02X", $0) }.joined() + "'"
                    }
                } else {
                    text.append(character)
                }
            }
            let plain = try connection.textQuery("EXPLAIN " + text)
            let names = ["id", "select_type", "table", "type", "possible_keys", "key", "key_len", "ref", "rows", "Extra"]
            return plain.map { row in
                var entry: [String: String] = [:]
                for (index, name) in names.enumerated() where index < row.count { entry[name] = row[index] ?? "NULL" }
                return entry
            }
        }
    }
}
