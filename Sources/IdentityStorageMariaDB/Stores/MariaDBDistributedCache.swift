import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The distributed cache as a table with an `expires_at` instant judged against the store's clock.
///
/// - add-if-absent is one `INSERT … ON DUPLICATE KEY UPDATE` whose assignments replace the row only
///   when it has expired; the changed-row count (1 inserted, 2 replaced, 0 kept: the connection does not
///   set `CLIENT_FOUND_ROWS`) says whether this call stored. A replaced expired entry always changes
///   (its new expiry is later than now, the old one not), so 2 never hides behind 0.
/// - get-and-set is a short transaction: `INSERT … ON DUPLICATE KEY UPDATE key = key` either inserts the
///   new entry (no previous value) or changes nothing but locks the existing row; the previous value is
///   then read under that lock and replaced. No gap locks, so racing callers queue instead of deadlocking.
struct MariaDBDistributedCache: DistributedCache {
    let database: MariaDBDatabase
    let clock: any WallClock

    private struct Stored: Sendable {
        var value: [UInt8]
        var sliding: Bool
    }

    private static let columns = "`key`, value, expires_at, absolute_expiration, sliding_microseconds"

    private static let upsert = """
        INSERT INTO cache_entries(\(columns)) VALUES (?, ?, ?, ?, ?)
        ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at),
            absolute_expiration = VALUES(absolute_expiration), sliding_microseconds = VALUES(sliding_microseconds)
        """

    /// MariaDB applies ON DUPLICATE KEY assignments left to right, each seeing the ones before:
    /// `expires_at` is assigned last so every condition reads the old expiry.
    private static let addIfAbsent = """
        INSERT INTO cache_entries(\(columns)) VALUES (?, ?, ?, ?, ?)
        ON DUPLICATE KEY UPDATE
            value = IF(expires_at IS NOT NULL AND expires_at <= ?, VALUES(value), value),
            absolute_expiration = IF(expires_at IS NOT NULL AND expires_at <= ?, VALUES(absolute_expiration), absolute_expiration),
            sliding_microseconds = IF(expires_at IS NOT NULL AND expires_at <= ?, VALUES(sliding_microseconds), sliding_microseconds),
            expires_at = IF(expires_at IS NOT NULL AND expires_at <= ?, VALUES(expires_at), expires_at)
        """

    func get(_ key: String) async throws -> [UInt8]? {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        let stored = try await database.run { connection in
            try connection.query("""
                SELECT value, sliding_microseconds IS NOT NULL FROM cache_entries WHERE `key` = ? AND (expires_at IS NULL OR expires_at > ?)
                """, [.text(key), .date(now)]) { row in Stored(value: row.blob(0), sliding: try row.bool(1)) }.first
        }
        guard let stored else { return nil }
        if stored.sliding { try await renew(key, at: now) }
        return stored.value
    }

    func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        let bindings = try entryBindings(key, value, options)
        try await database.run { connection in
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
        return try await database.run { connection in
            let expiries = try connection.query("DELETE FROM cache_entries WHERE `key` = ? RETURNING expires_at", [.text(key)]) { row in
                try row.optionalDate(0)
            }
            return expiries.contains { expiry in expiry.map { $0 > now } ?? true }
        }
    }

    func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        let now = clock.now
        let bindings = try entryBindings(key, value, options)
        return try await database.run { connection in
            try connection.run(Self.addIfAbsent, bindings + Array(repeating: .date(now), count: 4)) > 0
        }
    }

    func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        let now = clock.now
        let bindings = try entryBindings(key, value, options)
        return try await database.transaction { connection -> [UInt8]? in
            let inserted = try connection.run("""
                INSERT INTO cache_entries(\(Self.columns)) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE `key` = `key`
                """, bindings)
            if inserted == 1 { return nil }
            let previous = try connection.query("""
                SELECT value, expires_at FROM cache_entries WHERE `key` = ? FOR UPDATE
                """, [.text(key)]) { row -> [UInt8]? in
                let expiry = try row.optionalDate(1)
                return expiry.map { $0 > now } ?? true ? row.blob(0) : nil
            }.first ?? nil
            try connection.run("""
                UPDATE cache_entries SET value = ?, expires_at = ?, absolute_expiration = ?, sliding_microseconds = ? WHERE `key` = ?
                """, Array(bindings.dropFirst()) + [bindings[0]])
            return previous
        }
    }

    private func renew(_ key: String, at now: Date) async throws {
        try await database.run { connection in
            try connection.run("""
                UPDATE cache_entries SET expires_at = LEAST(? + sliding_microseconds, COALESCE(absolute_expiration, ? + sliding_microseconds))
                WHERE `key` = ? AND sliding_microseconds IS NOT NULL AND expires_at > ?
                """, [.date(now), .date(now), .text(key), .date(now)])
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
