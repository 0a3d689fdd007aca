import Foundation
import IdentityStorage
import IdentityStorageSQL

/// The distributed cache as a table with an `expires_at` instant judged against the store's clock;
/// values are `bytea`, sent and read as raw bytes.
///
/// - get is one statement: the read and the sliding renewal together (a data-modifying CTE);
/// - add-if-absent is one `INSERT … ON CONFLICT DO UPDATE … WHERE expired RETURNING`: a concurrent
///   inserter waits for the first and then finds a live entry, so exactly one caller gets a row back;
/// - get-and-set is a transaction holding a per-key advisory lock (`pg_advisory_xact_lock(class, hashtext(key))`,
///   needed because a missing row cannot be locked with `FOR UPDATE`), then one statement that locks
///   the row and keeps its value (`previous`) before upserting the new one (`stored` reads from `previous`).
struct PostgresDistributedCache: DistributedCache {
    let database: PostgresDatabase
    let clock: any WallClock

    static let upsert = """
        INSERT INTO cache_entries(key, value, expires_at, absolute_expiration, sliding_microseconds) VALUES ($1, $2::bytea, $3, $4, $5)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
            absolute_expiration = excluded.absolute_expiration, sliding_microseconds = excluded.sliding_microseconds
        """

    func get(_ key: String) async throws -> [UInt8]? {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        return try await database.run { connection in
            try connection.query("""
                WITH hit AS (
                    SELECT value FROM cache_entries WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2::bigint)
                ), renewed AS (
                    UPDATE cache_entries SET expires_at = LEAST($2::bigint + sliding_microseconds, absolute_expiration)
                    WHERE key = $1 AND sliding_microseconds IS NOT NULL AND expires_at > $2::bigint
                )
                SELECT value FROM hit
                """, [.text(key), .date(now)]) { $0.blob(0) }.first
        }
    }

    func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        let bindings = try entryBindings(key, value, options)
        try await database.run { connection in
            try connection.run(Self.upsert, bindings)
        }
    }

    func refresh(_ key: String) async throws {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        try await database.run { connection in
            try connection.run("""
                UPDATE cache_entries SET expires_at = LEAST($1::bigint + sliding_microseconds, absolute_expiration)
                WHERE key = $2 AND sliding_microseconds IS NOT NULL AND expires_at > $1::bigint
                """, [.date(now), .text(key)])
        }
    }

    @discardableResult
    func remove(_ key: String) async throws -> Bool {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        return try await database.run { connection in
            try connection.query("DELETE FROM cache_entries WHERE key = $1 RETURNING expires_at IS NULL OR expires_at > $2::bigint",
                                 [.text(key), .date(now)]) { try $0.bool(0) }.contains(true)
        }
    }

    func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        let now = clock.now
        let bindings = try entryBindings(key, value, options) + [.date(now)]
        return try await database.run { connection in
            try !connection.query("""
                \(Self.upsert)
                WHERE cache_entries.expires_at IS NOT NULL AND cache_entries.expires_at <= $6::bigint
                RETURNING 1
                """, bindings) { _ in true }.isEmpty
        }
    }

    func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        let now = clock.now
        let bindings = try entryBindings(key, value, options) + [.date(now)]
        let lockClass = PostgresSchema.cacheLockClass(schema: database.schema)
        return try await database.run { connection in
            try connection.transaction { () throws -> [UInt8]? in
                try connection.run("SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))", [.int(Int(lockClass)), .text(key)])
                // `stored` reads from `previous`, so the row is locked and its old value kept before the upsert runs.
                return try connection.query("""
                    WITH previous AS (
                        SELECT value, expires_at FROM cache_entries WHERE key = $1 FOR UPDATE
                    ), stored AS (
                        INSERT INTO cache_entries(key, value, expires_at, absolute_expiration, sliding_microseconds)
                        SELECT $1::text, $2::bytea, $3::bigint, $4::bigint, $5::bigint FROM (SELECT count(*) FROM previous) AS locked
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
                            absolute_expiration = excluded.absolute_expiration, sliding_microseconds = excluded.sliding_microseconds
                    )
                    SELECT value FROM previous WHERE expires_at IS NULL OR expires_at > $6::bigint
                    """, bindings) { $0.blob(0) }.first
            }
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
