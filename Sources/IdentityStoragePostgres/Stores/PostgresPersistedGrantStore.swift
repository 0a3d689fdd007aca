import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Persisted grants, one row each. Take is `DELETE … RETURNING`, consume a conditional
/// `UPDATE … WHERE consumed_time IS NULL RETURNING`, store an `INSERT … ON CONFLICT DO UPDATE`:
/// single statements, atomic under READ COMMITTED (a second writer of the same row waits for the
/// first and re-checks its condition on the row the first left behind).
struct PostgresPersistedGrantStore: PersistedGrantStore {
    let database: PostgresDatabase
    let clock: any WallClock
    /// Keeps the storage (and its threads) alive while stores are in use.
    let owner: PostgresIdentityStorage

    static let upsert = """
        INSERT INTO persisted_grants(\(SQLTables.Grants.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (key) DO UPDATE SET type = excluded.type, subject_id = excluded.subject_id, session_id = excluded.session_id,
            client_id = excluded.client_id, description = excluded.description, creation_time = excluded.creation_time,
            expiration = excluded.expiration, consumed_time = excluded.consumed_time, data = excluded.data
        """
    static let selectByKey = "SELECT \(SQLTables.Grants.columns) FROM persisted_grants WHERE key = $1"

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
            try connection.query(Self.selectByKey, [.text(key)], SQLTables.Grants.decode).first
        }
    }

    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        guard let (whereClause, bindings) = try GrantFilterSQL.condition(filter.normalized, dialect: .postgres) else { return [] }
        return try await database.run { connection in
            try connection.query("SELECT \(SQLTables.Grants.columns) FROM persisted_grants WHERE \(whereClause)", bindings, SQLTables.Grants.decode)
        }
    }

    @discardableResult
    func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return try await database.run { connection in
            try connection.run("DELETE FROM persisted_grants WHERE key = $1", [.text(key)]) > 0
        }
    }

    @discardableResult
    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        guard let (whereClause, bindings) = try GrantFilterSQL.condition(filter.normalized, dialect: .postgres) else { return 0 }
        return try await database.run { connection in
            try connection.run("DELETE FROM persisted_grants WHERE \(whereClause)", bindings)
        }
    }

    func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.run { connection in
            try connection.query("DELETE FROM persisted_grants WHERE key = $1 RETURNING \(SQLTables.Grants.columns)", [.text(key)],
                                 SQLTables.Grants.decode).first
        }
    }

    func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let now = clock.now
        return try await database.run { connection in
            try connection.query("""
                UPDATE persisted_grants SET consumed_time = $1 WHERE key = $2 AND consumed_time IS NULL RETURNING \(SQLTables.Grants.columns)
                """, [.date(now), .text(key)], SQLTables.Grants.decode).first
        }
    }
}
