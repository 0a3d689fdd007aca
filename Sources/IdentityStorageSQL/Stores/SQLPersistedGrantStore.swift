import Foundation
import IdentityStorage

/// Persisted grants on any SQL adapter, one row each. Store is the dialect's upsert; take is
/// `DELETE … RETURNING`; consume a conditional `UPDATE … WHERE consumed_time IS NULL RETURNING` (one
/// statement: a second writer of the row waits for the first and re-checks the condition on what it left),
/// or, where `UPDATE … RETURNING` does not exist (MariaDB), a short transaction: the conditional `UPDATE`
/// whose changed-row count says who won, then the winner reads the row it still holds locked.
///
/// The hot statements (get, store, take, consume) are built once, when the store is made.
public struct SQLPersistedGrantStore<Database: SQLDatabase>: PersistedGrantStore {
    let database: Database
    let clock: any WallClock
    let statements: Statements

    /// The statements, built once per dialect; the raw benchmark baselines run the same ones.
    public struct Statements: Sendable {
        let dialect: SQLDialect
        let columns: String
        /// Select by key (parameter: the key).
        public let get: String
        /// The upsert (parameters: ``SQLTables/Grants/values(_:)``).
        public let upsert: String
        /// Delete by key returning the row (parameter: the key).
        public let take: String
        /// The conditional update of consume (parameters: the instant, the key); with `RETURNING` where the dialect has it.
        public let consume: String
        /// What the winner of consume reads, under the row lock its update holds (dialects without `UPDATE … RETURNING`).
        public let consumedRow: String
        let delete: String
        /// The family's members, then its grant of that key without a family (parameter: the family id, each).
        let deleteFamilyMembers: String
        let deleteFamilyOfOne: String
        /// The presented token's update on a rotation (parameters: consumed time, family, successor key, key) and on a
        /// reuse within grace (parameters: family, successor key, key).
        let markRotated: String
        let markReused: String

        /// The statements for `dialect`.
        public init(_ dialect: SQLDialect) {
            self.dialect = dialect
            let key = dialect.quoted("key")
            columns = dialect.columns(SQLTables.Grants.columns)
            get = dialect.translate("SELECT \(columns) FROM persisted_grants WHERE \(key) = ?")
            upsert = dialect.translate(dialect.upsert(into: "persisted_grants", columns: SQLTables.Grants.columns))
            take = dialect.translate("DELETE FROM persisted_grants WHERE \(key) = ? RETURNING \(columns)")
            let update = "UPDATE persisted_grants SET consumed_time = ? WHERE \(key) = ? AND consumed_time IS NULL"
            consume = dialect.translate(dialect.updateReturning ? update + " RETURNING \(columns)" : update)
            consumedRow = dialect.translate("SELECT \(columns) FROM persisted_grants WHERE \(key) = ? FOR UPDATE")
            delete = dialect.translate("DELETE FROM persisted_grants WHERE \(key) = ?")
            deleteFamilyMembers = dialect.translate("DELETE FROM persisted_grants WHERE family_id = ?")
            deleteFamilyOfOne = dialect.translate("DELETE FROM persisted_grants WHERE \(key) = ? AND family_id IS NULL")
            markRotated = dialect.translate("UPDATE persisted_grants SET consumed_time = ?, family_id = ?, successor_key = ? WHERE \(key) = ?")
            markReused = dialect.translate("UPDATE persisted_grants SET reuse_count = reuse_count + 1, family_id = ?, successor_key = ? WHERE \(key) = ?")
        }

        /// The filter's condition (lists expanded where the dialect wants), parameters numbered from `first`.
        func condition(_ filter: PersistedGrantFilter, first: Int = 1) throws -> (String, [SQLValue])? {
            guard let (condition, values) = try GrantFilterSQL.condition(filter.normalized, dialect: dialect, firstParameter: first) else { return nil }
            return try dialect.expandingLists(condition, values)
        }

        /// The delete by key list that re-checks `condition` (``SQLDialect/FilteredDeleteStyle/keysThenDelete(chunk:)``).
        public func deleteMatching(_ condition: String) -> String {
            dialect.deleteByJSONKeys("persisted_grants", "key", condition, false)
        }
    }

    /// A store over `database` judging consumption time by `clock`.
    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
        self.statements = Statements(database.dialect)
    }

    /// Creates or wholly replaces the grant with `PersistedGrant.key`. Concurrent stores of one key never fail.
    public func storeGrant(_ grant: PersistedGrant) async throws {
        try grant.validate()
        try await database.standaloneRun(statements.upsert, SQLTables.Grants.values(grant))
    }

    /// The grant with exactly this key (case-sensitive); nil when none.
    public func grant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.standaloneQuery(statements.get, [.text(key)], writes: false) { try SQLTables.Grants.decode($0) }.first
    }

    /// Every grant matching `filter` (see `PersistedGrantFilter` for the rules), in no particular order.
    /// An empty filter throws `IdentityStorageError.Code.invalidArgument`.
    public func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        guard let (condition, bindings) = try statements.condition(filter) else { return [] }
        let sql = "SELECT \(statements.columns) FROM persisted_grants WHERE \(condition)"
        return try await database.read { connection in
            try connection.query(sql, bindings) { try SQLTables.Grants.decode($0) }
        }
    }

    /// Removes the grant; false when there was none (never an error).
    @discardableResult
    public func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return try await database.standaloneRun(statements.delete, [.text(key)]) > 0
    }

    /// Removes every grant matching `filter` and returns how many this call removed.
    /// An empty filter throws `IdentityStorageError.Code.invalidArgument` and removes nothing.
    @discardableResult
    public func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        switch statements.dialect.filteredDeletes {
        case .direct:
            guard let (condition, bindings) = try statements.condition(filter) else { return 0 }
            let sql = "DELETE FROM persisted_grants WHERE \(condition)"
            return try await database.write { connection in
                try connection.run(sql, bindings)
            }
        case .keysThenDelete(let chunk):
            guard let (condition, bindings) = try statements.condition(filter),
                  let (recheck, recheckBindings) = try statements.condition(filter, first: 2) else { return 0 }
            let select = "SELECT \(statements.dialect.quoted("key")) FROM persisted_grants WHERE \(condition)"
            let delete = statements.deleteMatching(recheck)
            return try await database.transaction { connection in
                // Find the keys without locking, then delete by primary key, re-checking the filter on each row's
                // current version: only rows that still match go, and the delete locks nothing else. One
                // transaction, so a deadlock retry starts over with nothing half-counted.
                let keys = try connection.query(select, bindings) { try $0.text(0) }
                var removed = 0
                for start in stride(from: 0, to: keys.count, by: chunk) {
                    let part = Array(keys[start..<min(start + chunk, keys.count)])
                    removed += try connection.run(delete, [.text(try StorageJSON.string(part))] + recheckBindings)
                }
                return removed
            }
        }
    }

    /// Get-and-delete in one step, for one-time artefacts (authorization codes): returns the grant to
    /// exactly one of any number of concurrent callers, nil to the others and on a miss.
    public func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.standaloneQuery(statements.take, [.text(key)], writes: true) { try SQLTables.Grants.decode($0) }.first
    }

    /// Consume-once, for one-time refresh tokens: sets `PersistedGrant.consumedTime` to the store's
    /// clock time only if it was not set, and returns the updated grant to that one caller.
    /// Returns nil on a miss and when the grant was already consumed. The grant stays stored.
    public func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let bindings: [SQLValue] = [.date(clock.now), .text(key)]
        let statements = statements
        if statements.dialect.updateReturning {
            return try await database.standaloneQuery(statements.consume, bindings, writes: true) { try SQLTables.Grants.decode($0) }.first
        }
        return try await database.transaction { connection in
            guard try connection.run(statements.consume, bindings) == 1 else { return nil }
            // The UPDATE holds the row's lock until commit: this read sees exactly what this call wrote.
            return try connection.query(statements.consumedRow, [.text(key)]) { try SQLTables.Grants.decode($0) }.first
        }
    }
}
