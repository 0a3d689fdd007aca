import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Persisted grants, one row each. Store is `INSERT … ON DUPLICATE KEY UPDATE`; take is
/// `DELETE … RETURNING` (single statement); consume is a short transaction: a conditional `UPDATE`
/// whose changed-row count says who won, then the winner reads the row it still holds locked.
struct MariaDBPersistedGrantStore: PersistedGrantStore {
    let database: MariaDBDatabase
    let clock: any WallClock
    /// Keeps the storage (and its threads) alive while stores are in use.
    let owner: MariaDBIdentityStorage

    static let columns = MariaDBSQL.quoted(SQLTables.Grants.columns)

    static let upsert = """
        INSERT INTO persisted_grants(\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON DUPLICATE KEY UPDATE type = VALUES(type), subject_id = VALUES(subject_id), session_id = VALUES(session_id),
            client_id = VALUES(client_id), description = VALUES(description), creation_time = VALUES(creation_time),
            expiration = VALUES(expiration), consumed_time = VALUES(consumed_time), data = VALUES(data)
        """
    static let consumeUpdate = "UPDATE persisted_grants SET consumed_time = ? WHERE `key` = ? AND consumed_time IS NULL"

    func storeGrant(_ grant: PersistedGrant) async throws {
        try grant.validate()
        let values = SQLTables.Grants.values(grant)
        try await database.run { connection in
            try connection.run(Self.upsert, values)
        }
    }

    func grant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM persisted_grants WHERE `key` = ?", [.text(key)], SQLTables.Grants.decode).first
        }
    }

    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        guard let (condition, bindings) = try Self.condition(filter) else { return [] }
        return try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM persisted_grants WHERE \(condition)", bindings, SQLTables.Grants.decode)
        }
    }

    @discardableResult
    func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return try await database.run { connection in
            try connection.run("DELETE FROM persisted_grants WHERE `key` = ?", [.text(key)]) > 0
        }
    }

    @discardableResult
    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        guard let (condition, bindings) = try Self.condition(filter) else { return 0 }
        return try await database.transaction { connection in
            // Find the keys without locking, then delete by primary key, re-checking the filter on each row's
            // current version: only rows that still match go, and the delete locks nothing else (a locking
            // scan of a small table would lock every row; see MariaDBSQL.deleteByKeys). One transaction, so a
            // deadlock retry starts over with nothing half-counted.
            let keys = try connection.query("SELECT `key` FROM persisted_grants WHERE \(condition)", bindings) { try $0.text(0) }
            var removed = 0
            for start in stride(from: 0, to: keys.count, by: Self.deleteChunk) {
                let chunk = Array(keys[start..<min(start + Self.deleteChunk, keys.count)])
                removed += try connection.run(Self.deleteMatching(condition), [.text(try StorageJSON.string(chunk))] + bindings)
            }
            return removed
        }
    }

    /// The filter's condition with its lists expanded to `IN (?, …)` (see ``SQLDialect/mariadb``).
    static func condition(_ filter: PersistedGrantFilter) throws -> (String, [SQLValue])? {
        guard let (condition, values) = try GrantFilterSQL.condition(filter.normalized, dialect: .mariadb) else { return nil }
        return try MariaDBSQL.expandingLists(condition, values)
    }

    /// Keys per delete statement when removing by filter.
    static let deleteChunk = 1000

    static func deleteMatching(_ condition: String) -> String {
        MariaDBSQL.deleteByKeys(table: "persisted_grants", key: "key", condition: condition)
    }

    func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.run { connection in
            try connection.query("DELETE FROM persisted_grants WHERE `key` = ? RETURNING \(Self.columns)", [.text(key)], SQLTables.Grants.decode).first
        }
    }

    func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let now = clock.now
        return try await database.transaction { connection in
            let changed = try connection.run(Self.consumeUpdate, [.date(now), .text(key)])
            guard changed == 1 else { return nil }
            // The UPDATE holds the row's lock until commit: this read sees exactly what this call wrote.
            return try connection.query("SELECT \(Self.columns) FROM persisted_grants WHERE `key` = ? FOR UPDATE", [.text(key)],
                                        SQLTables.Grants.decode).first
        }
    }
}
