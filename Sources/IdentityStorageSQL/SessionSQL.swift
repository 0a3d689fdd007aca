import IdentityStorage

/// The SQL conditions of the session filters, written once for every SQL adapter.
enum SessionSQL {
    /// The exact-match condition of a ``SessionFilter`` (blank fields ignored), parameters numbered from
    /// `firstParameter`; nil when both fields are blank (call ``SessionFilter/validate()`` first, which rejects that).
    static func filterCondition(_ filter: SessionFilter, dialect: SQLDialect,
                                       firstParameter: Int = 1) -> (sql: String, values: [SQLValue])? {
        var conditions: [String] = []
        var values: [SQLValue] = []
        for (column, value) in [("subject_id", filter.subjectId), ("session_id", filter.sessionId)] {
            guard let value, !value.allSatisfy(\.isWhitespace) else { continue }
            values.append(.text(value))
            conditions.append("\(column) = \(dialect.placeholder(firstParameter + values.count - 1))")
        }
        return conditions.isEmpty ? nil : (conditions.joined(separator: " AND "), values)
    }

    /// The substring condition of a ``SessionQuery`` (upstream's rule: when any of subject, session id and display
    /// name is non-blank, every non-nil one must be contained; a session without a display name never matches a
    /// display-name filter), parameters numbered from `firstParameter`; `1 = 1` when all are blank.
    static func queryCondition(_ query: SessionQuery, dialect: SQLDialect,
                                      firstParameter: Int = 1) -> (sql: String, values: [SQLValue]) {
        let fields = [("subject_id", query.subjectId), ("session_id", query.sessionId), ("display_name", query.displayName)]
        if fields.allSatisfy({ $0.1.map { $0.allSatisfy(\.isWhitespace) } ?? true }) { return ("1 = 1", []) }
        var conditions: [String] = []
        var values: [SQLValue] = []
        for (column, value) in fields {
            guard let value else { continue }
            values.append(.text(value))
            conditions.append(dialect.containsText(column, dialect.placeholder(firstParameter + values.count - 1)))
        }
        return (conditions.joined(separator: " AND "), values)
    }
}
