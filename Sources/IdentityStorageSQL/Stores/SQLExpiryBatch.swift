import Foundation
import IdentityStorage

/// One kind of expired row that is removed in batches (housekeeping, claiming expired sessions), with the
/// statements of its batch for a dialect (``SQLDialect/ExpiryBatchStyle``). Built once per store.
///
/// Either style reports exactly the rows this call deleted, and two callers removing at once never
/// report the same row: one statement on SQLite's single writer; `FOR UPDATE SKIP LOCKED` on the servers
/// (PostgreSQL inside the `DELETE`, MariaDB in a transaction that selects, then deletes what it holds).
struct SQLExpiryBatch: Sendable {
    /// The selection of up to `limit` expired rows (parameters: the instant, the limit), for the index tests.
    let selection: String
    /// The statement that removes the rows: the whole batch (`deleteReturning`), or the selected keys (MariaDB).
    let removal: String
    /// `removal` without `RETURNING`, for batches that only count (`deleteReturning` style).
    let countingRemoval: String
    let lockedSelection: Bool

    /// The batch of `table`'s rows whose `column` is before the instant (`inclusive`: at or before), oldest
    /// first then by `key`, returning `columns`; `index` is the expiry index MariaDB is made to use.
    init(_ dialect: SQLDialect, table: String, key: String, column: String, index: String, inclusive: Bool = false,
                returning columns: String) {
        let comparison = inclusive ? "<=" : "<"
        let quotedKey = dialect.quoted(key)
        switch dialect.expiryBatches {
        case .deleteReturning(let lockClause):
            selection = dialect.translate("SELECT \(quotedKey) FROM \(table) WHERE \(column) \(comparison) ? ORDER BY \(column), \(quotedKey) LIMIT ?\(lockClause)")
            // A materialised batch: as a plain subquery of the DELETE, PostgreSQL may run a `LIMIT … SKIP LOCKED`
            // selection again for rows it joins and remove more than `limit` rows (seen under concurrent runs).
            let delete = "WITH batch AS MATERIALIZED (\(selection)) DELETE FROM \(table) WHERE \(quotedKey) IN (SELECT \(quotedKey) FROM batch)"
            removal = delete + " RETURNING \(dialect.columns(columns))"
            countingRemoval = delete
            lockedSelection = false
        case .selectLockedThenDelete:
            // The forced index makes the locking scan read (and lock) only the rows it returns.
            selection = dialect.translate("""
                SELECT \(dialect.columns(columns)) FROM \(table) FORCE INDEX (\(index)) WHERE \(column) \(comparison) ? \
                ORDER BY \(column), \(quotedKey) LIMIT ? FOR UPDATE SKIP LOCKED
                """)
            removal = dialect.translate(dialect.deleteByJSONKeys(table, key, nil, false))
            countingRemoval = removal
            lockedSelection = true
        }
    }

    /// Removes one batch of up to `limit` rows expired at `instant` and returns them oldest first
    /// (`precedes` restores that order where `RETURNING` does not keep it); `key` names a row's key.
    func remove<Database: SQLDatabase, T: Sendable>(
        from database: Database, before instant: Date, limit: Int,
        decode: @escaping @Sendable (Database.Connection.Row) throws -> T,
        key: @escaping @Sendable (T) -> String, precedes: @escaping (T, T) -> Bool
    ) async throws -> [T] {
        try FieldValidation.positive(limit, "limit")
        let bindings: [SQLValue] = [.date(instant), .int(limit)]
        if lockedSelection {
            let selection = selection, removal = removal
            return try await database.transaction { connection in
                let rows = try connection.query(selection, bindings, decode)
                if !rows.isEmpty {
                    // This transaction holds every selected row's lock: the delete removes exactly these.
                    try connection.run(removal, [.text(try StorageJSON.string(rows.map(key)))])
                }
                return rows
            }
        }
        let removal = removal
        return try await database.write { connection in
            try connection.query(removal, bindings, decode)
        }.sorted(by: precedes)
    }

    /// Removes one batch of up to `limit` rows expired at `instant` and counts them (the batch returns only keys).
    func removeCounting<Database: SQLDatabase>(from database: Database, before instant: Date, limit: Int) async throws -> Int {
        if lockedSelection {
            return try await remove(from: database, before: instant, limit: limit, decode: { try $0.text(0) }, key: { $0 },
                                    precedes: { _, _ in false }).count
        }
        try FieldValidation.positive(limit, "limit")
        let removal = countingRemoval
        return try await database.write { connection in
            try connection.run(removal, [.date(instant), .int(limit)])
        }
    }
}

extension SQLExpiryBatch {
    /// The batch of expired server-side sessions, returning whole sessions (claims and cleanup).
    static func expiredSessions(_ dialect: SQLDialect) -> SQLExpiryBatch {
        SQLExpiryBatch(dialect, table: "server_side_sessions", key: "key", column: "expires", index: "server_side_sessions_expires",
                       returning: SQLTables.Sessions.columns)
    }
}
