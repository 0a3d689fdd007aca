import Foundation
import IdentityStorage

/// Persisted grants, one row each. Take is `DELETE … RETURNING`, consume a conditional `UPDATE … RETURNING`,
/// store an `INSERT … ON CONFLICT DO UPDATE`: single statements on the single writer connection.
struct SQLitePersistedGrantStore: PersistedGrantStore {
    let database: SQLiteDatabase
    let clock: any WallClock
    /// Keeps the storage (and its threads) alive while stores are in use.
    let owner: SQLiteIdentityStorage

    static let columns = "key, type, subject_id, session_id, client_id, description, creation_time, expiration, consumed_time, data"

    static func decode(_ row: SQLiteRow) throws(IdentityStorageError) -> PersistedGrant {
        PersistedGrant(key: try row.text(0), type: try row.text(1), subjectId: try row.optionalText(2), sessionId: try row.optionalText(3),
                       clientId: try row.text(4), description: try row.optionalText(5), creationTime: row.date(6),
                       expiration: row.optionalDate(7), consumedTime: row.optionalDate(8), data: try row.text(9))
    }

    func storeGrant(_ grant: PersistedGrant) async throws {
        try grant.validate()
        try await database.write { connection in
            try connection.run("""
                INSERT INTO persisted_grants(\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET type = excluded.type, subject_id = excluded.subject_id, session_id = excluded.session_id,
                    client_id = excluded.client_id, description = excluded.description, creation_time = excluded.creation_time,
                    expiration = excluded.expiration, consumed_time = excluded.consumed_time, data = excluded.data
                """, [.text(grant.key), .text(grant.type), .optionalText(grant.subjectId), .optionalText(grant.sessionId),
                      .text(grant.clientId), .optionalText(grant.description), .date(grant.creationTime), .optionalDate(grant.expiration),
                      .optionalDate(grant.consumedTime), .text(grant.data)])
        }
    }

    func grant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.read { connection in
            try connection.query("SELECT \(Self.columns) FROM persisted_grants WHERE key = ?", [.text(key)], Self.decode).first
        }
    }

    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try filter.validate()
        guard let (whereClause, bindings) = try Self.whereClause(filter.normalized) else { return [] }
        return try await database.read { connection in
            try connection.query("SELECT \(Self.columns) FROM persisted_grants WHERE \(whereClause)", bindings, Self.decode)
        }
    }

    @discardableResult
    func removeGrant(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "grant key")
        return try await database.write { connection in
            try connection.run("DELETE FROM persisted_grants WHERE key = ?", [.text(key)]) > 0
        }
    }

    @discardableResult
    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try filter.validate()
        guard let (whereClause, bindings) = try Self.whereClause(filter.normalized) else { return 0 }
        return try await database.write { connection in
            try connection.run("DELETE FROM persisted_grants WHERE \(whereClause)", bindings)
        }
    }

    func takeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        return try await database.write { connection in
            try connection.query("DELETE FROM persisted_grants WHERE key = ? RETURNING \(Self.columns)", [.text(key)], Self.decode).first
        }
    }

    func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try FieldValidation.key(key, "grant key")
        let now = clock.now
        return try await database.write { connection in
            try connection.query("""
                UPDATE persisted_grants SET consumed_time = ? WHERE key = ? AND consumed_time IS NULL RETURNING \(Self.columns)
                """, [.date(now), .text(key)], Self.decode).first
        }
    }

    /// The SQL condition of a normalised filter; nil when it can match nothing. Each field has a fixed
    /// fragment (lists bound as one JSON array), so at most 16 statement shapes exist and all are cached.
    static func whereClause(_ filter: PersistedGrantFilter.Normalized) throws -> (String, [SQLiteValue])? {
        if filter.matchesNothing { return nil }
        var conditions: [String] = []
        var bindings: [SQLiteValue] = []
        if let subjectId = filter.subjectId {
            conditions.append("subject_id = ?")
            bindings.append(.text(subjectId))
        }
        if let sessionId = filter.sessionId {
            conditions.append("session_id = ?")
            bindings.append(.text(sessionId))
        }
        if let clientIds = filter.clientIds {
            conditions.append("client_id IN (SELECT value FROM json_each(?))")
            bindings.append(.text(try StorageJSON.string(clientIds.map(\.value).sorted())))
        }
        if let types = filter.types {
            conditions.append("type IN (SELECT value FROM json_each(?))")
            bindings.append(.text(try StorageJSON.string(types.map(\.value).sorted())))
        }
        return (conditions.joined(separator: " AND "), bindings)
    }
}
