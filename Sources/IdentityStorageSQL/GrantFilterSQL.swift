import IdentityStorage

/// The SQL condition of a persisted-grant filter, written once for every SQL adapter: what the grant store runs, and
/// what an adapter's tests `EXPLAIN` to check that its indexes serve every filter shape (``allShapes()``).
public enum GrantFilterSQL {
    /// The condition and its parameters, numbered from `firstParameter`; nil when the filter can match nothing.
    /// Call `PersistedGrantFilter.validate()` first. Each field has a fixed fragment, so there are at most
    /// 31 statement shapes.
    public static func condition(_ filter: PersistedGrantFilter.Normalized, dialect: SQLDialect,
                                 firstParameter: Int = 1) throws -> (sql: String, values: [SQLValue])? {
        if filter.matchesNothing { return nil }
        var conditions: [String] = []
        var values: [SQLValue] = []
        func next() -> String { dialect.placeholder(firstParameter + values.count) }
        if let subjectId = filter.subjectId {
            conditions.append("subject_id = \(next())")
            values.append(.text(subjectId))
        }
        if let sessionId = filter.sessionId {
            conditions.append("session_id = \(next())")
            values.append(.text(sessionId))
        }
        if let clientIds = filter.clientIds {
            conditions.append(dialect.inJSONArray("client_id", next()))
            values.append(.text(try StorageJSON.string(clientIds.map(\.value).sorted())))
        }
        if let types = filter.types {
            conditions.append(dialect.inJSONArray("type", next()))
            values.append(.text(try StorageJSON.string(types.map(\.value).sorted())))
        }
        if let familyId = filter.familyId {
            // The members, and the grant of that key when it has no family (a family of one).
            let member = next()
            values.append(.text(familyId))
            conditions.append("(family_id = \(member) OR (family_id IS NULL AND \(dialect.quoted("key")) = \(next())))")
            values.append(.text(familyId))
        }
        return (conditions.joined(separator: " AND "), values)
    }

    /// Every filter shape (each non-empty combination of subject, session, client list, type list and family)
    /// with sample values, for tests that check each shape's query plan uses an index.
    public static func allShapes() -> [(name: String, filter: PersistedGrantFilter.Normalized)] {
        let fields: [(String, (inout PersistedGrantFilter) -> Void)] = [
            ("subject", { $0.subjectId = "s" }), ("session", { $0.sessionId = "x" }),
            ("clients", { $0.clientIds = ["c"] }), ("types", { $0.types = ["t"] }), ("family", { $0.familyId = "f" }),
        ]
        return (1..<(1 << fields.count)).map { mask in
            var filter = PersistedGrantFilter()
            var names: [String] = []
            for (bit, field) in fields.enumerated() where mask & (1 << bit) != 0 {
                field.1(&filter)
                names.append(field.0)
            }
            return (names.joined(separator: "+"), filter.normalized)
        }
    }
}
