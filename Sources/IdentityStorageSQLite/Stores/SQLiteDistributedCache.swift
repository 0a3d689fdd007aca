import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The distributed cache as a table with an `expires_at` instant judged against the store's clock.
/// add-if-absent is one `INSERT … ON CONFLICT DO UPDATE … WHERE expired RETURNING`; get-and-set is a
/// `BEGIN IMMEDIATE` transaction on the writer.
struct SQLiteDistributedCache: DistributedCache {
    let database: SQLiteDatabase
    let clock: any WallClock

    private struct Stored: Sendable {
        var value: [UInt8]
        var sliding: Bool
    }

    func get(_ key: String) async throws -> [UInt8]? {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        let stored = try await database.read { connection in
            try connection.query("""
                SELECT value, sliding_microseconds IS NOT NULL FROM cache_entries WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)
                """, [.text(key), .date(now)]) { row in Stored(value: row.blob(0), sliding: try row.bool(1)) }.first
        }
        guard let stored else { return nil }
        if stored.sliding { try await renew(key, at: now) }
        return stored.value
    }

    func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        let bindings = try entryBindings(key, value, options)
        try await database.write { connection in
            try connection.run(Self.upsert, bindings)
        }
    }

    func refresh(_ key: String) async throws {
        try DistributedCacheKey.validate(key)
        try await renew(key, at: clock.now)
    }

    @discardableResult
    func remove(_ key: String) async throws -> Bool {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        return try await database.write { connection in
            // The expiry test stays in Swift: a bound parameter inside RETURNING reads back as 0 on SQLite 3.40.
            let expiries = try connection.query("DELETE FROM cache_entries WHERE key = ? RETURNING expires_at", [.text(key)]) { row in
                try row.optionalDate(0)
            }
            return expiries.contains { expiry in expiry.map { $0 > now } ?? true }
        }
    }

    func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        let now = clock.now
        let bindings = try entryBindings(key, value, options)
        return try await database.write { connection in
            try !connection.query("""
                INSERT INTO cache_entries(key, value, expires_at, absolute_expiration, sliding_microseconds) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
                    absolute_expiration = excluded.absolute_expiration, sliding_microseconds = excluded.sliding_microseconds
                WHERE cache_entries.expires_at IS NOT NULL AND cache_entries.expires_at <= ?
                RETURNING 1
                """, bindings + [.date(now)]) { _ in true }.isEmpty
        }
    }

    func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        let now = clock.now
        let bindings = try entryBindings(key, value, options)
        return try await database.write { connection in
            try connection.transaction { () throws -> [UInt8]? in
                let previous = try connection.query("""
                    SELECT value FROM cache_entries WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)
                    """, [.text(key), .date(now)]) { $0.blob(0) }.first
                try connection.run(Self.upsert, bindings)
                return previous
            }
        }
    }

    private static let upsert = """
        INSERT INTO cache_entries(key, value, expires_at, absolute_expiration, sliding_microseconds) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
            absolute_expiration = excluded.absolute_expiration, sliding_microseconds = excluded.sliding_microseconds
        """

    private func renew(_ key: String, at now: Date) async throws {
        try await database.write { connection in
            try connection.run("""
                UPDATE cache_entries SET expires_at = min(?1 + sliding_microseconds, coalesce(absolute_expiration, ?1 + sliding_microseconds))
                WHERE key = ?2 AND sliding_microseconds IS NOT NULL AND expires_at > ?1
                """, [.date(now), .text(key)])
        }
    }

    private func entryBindings(_ key: String, _ value: [UInt8], _ options: CacheEntryOptions) throws(IdentityStorageError) -> [SQLValue] {
        try DistributedCacheKey.validate(key)
        try FieldValidation.payloadSize(value.count, "cache value")
        let expiration = try options.resolve(at: clock.now)
        return [.text(key), .blob(value), .optionalDate(expiration.expiresAt), .optionalDate(expiration.absolute),
                expiration.sliding.map { .integer(Int64(($0 * 1_000_000).rounded())) } ?? .null]
    }
}
