import IdentityStorage

/// What `idstore doctor` checks of an SQL account: the tables the migrations create, and the privileges the stores
/// use on each (no stored procedure, trigger or sequence of its own needs more). An adapter's doctor reads the
/// account's grants from its engine's catalogue and reports them through ``diagnosis(account:checked:missing:grant:)``.
public enum SQLPrivilegeCheck {
    /// The privileges a store table needs.
    public static let tablePrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE"]

    /// The privileges `table` needs: the bookkeeping tables are read and appended to (or their rows locked) only.
    public static func privileges(for table: String) -> [String] {
        switch table {
        case "identity_storage_migrations": ["SELECT", "INSERT"]
        case "identity_storage_locks", "configuration_changes": ["SELECT", "INSERT", "UPDATE"]
        default: tablePrivileges
        }
    }

    /// The tables `statements` create (`CREATE TABLE [IF NOT EXISTS] name`), in order, without repeats.
    public static func tables(createdBy statements: [String]) -> [String] {
        var tables: [String] = []
        for statement in statements {
            var rest = Substring(statement)
            while let create = rest.range(of: "CREATE TABLE ") {
                rest = rest[create.upperBound...]
                if rest.hasPrefix("IF NOT EXISTS ") { rest = rest.dropFirst("IF NOT EXISTS ".count) }
                let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                if !name.isEmpty, !tables.contains(name) { tables.append(name) }
            }
        }
        return tables
    }

    /// The finding for the table privileges: right when `missing` is empty, else each table with what it lacks and
    /// `grant`, the statement that gives them all.
    public static func diagnosis(account: String, checked: Int, missing: [(table: String, privileges: [String])], grant: String) -> Diagnosis {
        guard !missing.isEmpty else {
            return Diagnosis("\(account) table privileges", found: checked == 0 ? "no table of the stores yet (migrations create them)"
                                : "what the stores need on their \(checked) tables")
        }
        // Tables that lack the same privileges together: a database-wide grant that leaves one out is one phrase.
        var groups: [(privileges: [String], tables: [String])] = []
        for (table, privileges) in missing {
            if let index = groups.firstIndex(where: { $0.privileges == privileges }) { groups[index].tables.append(table) } else { groups.append((privileges, [table])) }
        }
        let found = "missing " + groups.map { group in
            let tables = group.tables.count <= 3 ? group.tables.joined(separator: ", ")
                : "\(group.tables.count) tables (\(group.tables.prefix(3).joined(separator: ", ")), …)"
            return "\(group.privileges.joined(separator: ", ")) on \(tables)"
        }.joined(separator: "; ")
        return Diagnosis("\(account) table privileges", found: found, fix: "the stores fail with permissionDenied there: \(grant)")
    }
}
