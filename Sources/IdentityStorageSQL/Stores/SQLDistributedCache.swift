import Foundation
import IdentityStorage

/// The distributed cache on any SQL adapter: a table with an `expires_at` instant judged against the
/// store's clock (passed as a parameter: the server's clock plays no part); values are bytes.
///
/// - get reads a live entry and renews a sliding one (one statement where the dialect has it:
///   ``SQLDialect/cacheReadRenewing``);
/// - add-if-absent is one upsert that replaces only an expired entry: `ON CONFLICT DO UPDATE … WHERE expired
///   RETURNING` (a concurrent inserter waits for the first and then finds a live entry, so exactly one caller
///   gets a row back), or `ON DUPLICATE KEY UPDATE` with conditional assignments whose changed-row count says
///   whether this call stored (1 inserted, 2 replaced, 0 kept; a replaced expired entry always changes);
/// - get-and-set is a transaction made atomic as ``SQLDialect/cacheSwap`` says.
public struct SQLDistributedCache<Database: SQLDatabase>: DistributedCache {
    let database: Database
    let clock: any WallClock
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let read, renew, upsert, add, remove, previous: String
        /// Whether ``add`` answers with a row (`RETURNING`) rather than a changed-row count; it then takes
        /// one `now` parameter after the entry, otherwise four.
        let addReturnsRow: Bool
        /// Only for ``SQLDialect/CacheSwapStyle/insertOrLockRow``: the insert that locks an existing row, the read
        /// under that lock, and the update of the row (parameters: the entry without its key, then the key).
        let insertOrLock, lockedRead, update: String
        let readRenewing: String?
        let swap: SQLDialect.CacheSwapStyle

        init(_ dialect: SQLDialect) {
            let key = dialect.quoted("key")
            let columns = "key, value, expires_at, absolute_expiration, sliding_microseconds"
            let live = "\(key) = ? AND (expires_at IS NULL OR expires_at > ?)"
            read = dialect.translate("SELECT value, sliding_microseconds IS NOT NULL FROM cache_entries WHERE \(live)")
            // The new expiry is the sliding window from now, but never past the absolute expiry.
            renew = dialect.translate("""
                UPDATE cache_entries SET expires_at = CASE WHEN absolute_expiration IS NOT NULL AND absolute_expiration < ? + sliding_microseconds \
                THEN absolute_expiration ELSE ? + sliding_microseconds END \
                WHERE \(key) = ? AND sliding_microseconds IS NOT NULL AND expires_at > ?
                """)
            let upsert = dialect.upsert(into: "cache_entries", columns: columns)
            self.upsert = dialect.translate(upsert)
            switch dialect.upsertSyntax {
            case .onConflict:
                add = dialect.translate(upsert + " WHERE cache_entries.expires_at IS NOT NULL AND cache_entries.expires_at <= ? RETURNING 1")
                addReturnsRow = true
            case .onDuplicateKey:
                // MariaDB applies ON DUPLICATE KEY assignments left to right, each seeing the ones before:
                // `expires_at` is assigned last so every condition reads the old expiry.
                let expired = "expires_at IS NOT NULL AND expires_at <= ?"
                add = dialect.translate("""
                    INSERT INTO cache_entries(\(dialect.columns(columns))) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
                    value = IF(\(expired), VALUES(value), value), \
                    absolute_expiration = IF(\(expired), VALUES(absolute_expiration), absolute_expiration), \
                    sliding_microseconds = IF(\(expired), VALUES(sliding_microseconds), sliding_microseconds), \
                    expires_at = IF(\(expired), VALUES(expires_at), expires_at)
                    """)
                addReturnsRow = false
            }
            remove = dialect.translate("DELETE FROM cache_entries WHERE \(key) = ? RETURNING expires_at")
            previous = dialect.translate("SELECT value FROM cache_entries WHERE \(live)")
            insertOrLock = dialect.translate("""
                INSERT INTO cache_entries(\(dialect.columns(columns))) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \(key) = \(key)
                """)
            lockedRead = dialect.translate("SELECT value, expires_at FROM cache_entries WHERE \(key) = ? FOR UPDATE")
            update = dialect.translate("""
                UPDATE cache_entries SET value = ?, expires_at = ?, absolute_expiration = ?, sliding_microseconds = ? WHERE \(key) = ?
                """)
            readRenewing = dialect.cacheReadRenewing
            swap = dialect.cacheSwap
        }
    }

    /// A cache over `database` judging expiry by `clock`.
    public init(database: Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
        self.statements = Statements(database.dialect)
    }

    private struct Stored: Sendable {
        var value: [UInt8]
        var sliding: Bool
    }

    /// The value, or nil when missing or expired. Renews a sliding expiration (capped by the absolute one).
    public func get(_ key: String) async throws -> [UInt8]? {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        if let sql = statements.readRenewing {
            return try await database.write { connection in
                try connection.query(sql, [.text(key), .date(now)]) { try $0.blob(0) }.first
            }
        }
        let sql = statements.read
        let stored = try await database.read { connection in
            try connection.query(sql, [.text(key), .date(now)]) { row in Stored(value: try row.blob(0), sliding: try row.bool(1)) }.first
        }
        guard let stored else { return nil }
        if stored.sliding { try await renew(key, at: now) }
        return stored.value
    }

    /// Stores the value, replacing any entry with this key.
    public func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        let bindings = try entryBindings(key, value, options)
        let sql = statements.upsert
        try await database.write { connection in
            try connection.run(sql, bindings)
        }
    }

    /// Renews the sliding expiration without reading; a no-op for missing entries and entries without one.
    public func refresh(_ key: String) async throws {
        try DistributedCacheKey.validate(key)
        try await renew(key, at: clock.now)
    }

    /// Removes the entry; false when there was none (never an error).
    @discardableResult
    public func remove(_ key: String) async throws -> Bool {
        try DistributedCacheKey.validate(key)
        let now = clock.now.microsecondsSince1970
        let sql = statements.remove
        return try await database.write { connection in
            // The expiry test stays in Swift: a bound parameter inside RETURNING reads back as 0 on SQLite 3.40.
            let expiries = try connection.query(sql, [.text(key)]) { row in try Self.expiry(row, 0) }
            return expiries.contains { expiry in expiry.map { $0 > now } ?? true }
        }
    }

    /// Stores the value only if no live entry has this key; returns whether it stored.
    /// Exactly one of any number of concurrent callers wins. An expired entry counts as absent.
    public func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        let now = clock.now
        let bindings = try entryBindings(key, value, options)
        let sql = statements.add
        if statements.addReturnsRow {
            return try await database.write { connection in
                try !connection.query(sql, bindings + [.date(now)]) { _ in true }.isEmpty
            }
        }
        return try await database.write { connection in
            try connection.run(sql, bindings + Array(repeating: .date(now), count: 4)) > 0
        }
    }

    /// Stores the value and returns the previous live value (nil when there was none), in one step:
    /// concurrent callers each see a different previous value, as if they ran one after another.
    public func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        let now = clock.now
        let bindings = try entryBindings(key, value, options)
        let statements = statements
        switch statements.swap {
        case .readThenUpsert:
            return try await database.transaction { connection -> [UInt8]? in
                let previous = try connection.query(statements.previous, [.text(key), .date(now)]) { try $0.blob(0) }.first
                try connection.run(statements.upsert, bindings)
                return previous
            }
        case .lockThenSwap(let lock, let lockBindings, let swap):
            return try await database.transaction { connection -> [UInt8]? in
                try connection.run(lock, lockBindings + [.text(key)])
                return try connection.query(swap, bindings + [.date(now)]) { try $0.blob(0) }.first
            }
        case .insertOrLockRow:
            return try await database.transaction { connection -> [UInt8]? in
                if try connection.run(statements.insertOrLock, bindings) == 1 { return nil }
                let previous = try connection.query(statements.lockedRead, [.text(key)]) { row -> [UInt8]? in
                    let expiry = try Self.expiry(row, 1)
                    return try expiry.map { $0 > now.microsecondsSince1970 } ?? true ? row.blob(0) : nil
                }.first ?? nil
                try connection.run(statements.update, Array(bindings.dropFirst()) + [bindings[0]])
                return previous
            }
        }
    }

    /// An entry's `expires_at` in microseconds, compared as stored: renewals of a long sliding interval may move it
    /// past the last instant a store accepts, and that must not make the entry unreadable.
    private static func expiry(_ row: some SQLRow, _ column: Int) throws -> Int64? {
        row.isNull(column) ? nil : try row.int64(column)
    }

    private func renew(_ key: String, at now: Date) async throws {
        let sql = statements.renew
        try await database.write { connection in
            try connection.run(sql, [.date(now), .date(now), .text(key), .date(now)])
        }
    }

    private func entryBindings(_ key: String, _ value: [UInt8], _ options: CacheEntryOptions) throws(IdentityStorageError) -> [SQLValue] {
        try DistributedCacheKey.validate(key)
        try FieldValidation.payloadSize(value.count, "cache value")
        let expiration = try options.resolve(at: clock.now)
        return [.text(key), .blob(value), .optionalDate(expiration.expiresAt), .optionalDate(expiration.absolute),
                expiration.slidingMicroseconds.map(SQLValue.integer) ?? .null]
    }
}
