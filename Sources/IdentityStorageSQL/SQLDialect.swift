import IdentityStorage

/// How an SQL engine writes what the stores' statements need: placeholders, JSON lists, upserts, and the few atomic
/// operations each engine makes its own way. An adapter defines one value (the built-in ones are `SQLDialect.sqlite`,
/// `.postgres` and `.mariadb`, next to their schemas) and returns it from ``SQLDatabase/dialect``; the stores build
/// their statements from it once, when they are made, never per call.
///
/// Only ``placeholder``, ``inJSONArray``, ``insertJSONList`` and ``deleteByJSONKeys`` have no default: every other
/// setting defaults to what SQLite and PostgreSQL do, so an engine close to them sets only what differs. A setting
/// added in a later version comes with a default.
///
/// The stores write statements with `?` placeholders in textual order and pass them through ``translate(_:)`` once;
/// statements whose shape depends on the call (filters) number their parameters with ``placeholder`` directly.
public struct SQLDialect: Sendable {
    /// How an insert that meets an existing key updates that row instead.
    public enum UpsertSyntax: Sendable {
        /// `ON CONFLICT (key) DO UPDATE SET column = excluded.column` (SQLite, PostgreSQL).
        case onConflict
        /// `ON DUPLICATE KEY UPDATE column = VALUES(column)` (MariaDB, MySQL).
        case onDuplicateKey
    }

    /// How a batch of expired rows is removed so that concurrent removers never report the same row.
    public enum ExpiryBatchStyle: Sendable {
        /// One `WITH batch AS MATERIALIZED (SELECT key … ORDER BY expiry, key LIMIT n <lockClause>)
        /// DELETE … WHERE key IN (SELECT key FROM batch) RETURNING …`
        /// (SQLite: no clause, the single writer serialises; PostgreSQL: `FOR UPDATE SKIP LOCKED`).
        case deleteReturning(lockClause: String)
        /// A transaction: `SELECT … FORCE INDEX (expiry index) … FOR UPDATE SKIP LOCKED`, then a delete of
        /// exactly the selected keys (MariaDB, which rejects `IN (SELECT … LIMIT)`).
        case selectLockedThenDelete
    }

    /// How rows matching a filter are deleted.
    public enum FilteredDeleteStyle: Sendable {
        /// One `DELETE … WHERE condition`.
        case direct
        /// A transaction: find the keys without locking, then delete by key list, re-checking the condition
        /// (MariaDB: a locking scan of a small table would lock every row it reads).
        case keysThenDelete(chunk: Int)
    }

    /// How a refresh-token rotation is made one atomic operation.
    public enum RefreshRotationStyle: Sendable {
        /// A write transaction on the single writer that reads, decides in Swift and writes (SQLite).
        case transaction
        /// One call of a routine the schema installs (parameters: presented key, now, grace µs, maximum reuses, then the
        /// successor's key, type, subject, session, client, description, creation time, expiration, data), returning one
        /// row: outcome (`r` rotated, `g` reused within grace, `d` reuse detected, `n` not found), removed count, family
        /// id, then the presented grant's ``SQLTables/Grants/columns`` (NULL unless it issues tokens). PostgreSQL: a
        /// PL/pgSQL function; MariaDB: a stored procedure: one round trip either way.
        case routine(call: String)
    }

    /// How the distributed cache's get-and-set keeps every other writer of the key out between reading the
    /// previous value and storing the new one.
    public enum CacheSwapStyle: Sendable {
        /// A write transaction that reads, then upserts (SQLite: `BEGIN IMMEDIATE` holds the database's write lock).
        case readThenUpsert
        /// A transaction: `lock` (parameters: `lockBindings`, then the key) serialises the callers of one key,
        /// even a missing one; then `swap`, one statement that locks the row, keeps its live value and upserts
        /// (parameters: key, value, expiry, absolute expiry, sliding microseconds, now). PostgreSQL: a per-key
        /// advisory lock, then a data-modifying CTE.
        case lockThenSwap(lock: String, lockBindings: [SQLValue], swap: String)
        /// A transaction: an insert that changes nothing when the key exists but locks its row; inserted means no
        /// previous value; otherwise the value is read under that lock and replaced (MariaDB: no gap locks, so
        /// racing callers queue instead of deadlocking).
        case insertOrLockRow
    }

    /// The text of parameter number `index` (1-based): `?` (SQLite, MariaDB) or `$1` (PostgreSQL).
    /// ``translate(_:)`` returns statements as they are when parameter 1 is `?`.
    public var placeholder: @Sendable (Int) -> String
    /// A condition "`column` is one of the strings in the JSON array bound at `placeholder`", for grant filters.
    /// Binding a list as one JSON array keeps one statement text per filter shape, so statements stay cached.
    public var inJSONArray: @Sendable (_ column: String, _ placeholder: String) -> String
    /// A condition "`column` contains the text bound at `placeholder`", comparing bytes (or code points) exactly.
    /// Default: `instr(column, placeholder) > 0` (SQLite, MariaDB under a binary collation).
    public var containsText: @Sendable (_ column: String, _ placeholder: String) -> String
    /// An identifier as the dialect must write it (MariaDB quotes `key`, a reserved word). Default: as it is.
    public var quoteIdentifier: @Sendable (String) -> String
    /// A condition "`column` is one of the strings in the JSON array bound at `placeholder`" that stays one
    /// statement text whatever the list's length (resource names, scopes). Default: ``inJSONArray``.
    public var inJSONList: @Sendable (_ column: String, _ placeholder: String) -> String
    /// `INSERT INTO table(valueColumn, ownerColumn)` of every string of the JSON array bound second, each
    /// with the owner bound first (`width`: the longest value the list must carry whole).
    public var insertJSONList: @Sendable (_ table: String, _ valueColumn: String, _ ownerColumn: String, _ width: Int) -> String
    /// `DELETE` of the rows of `table` whose `key` is in the JSON array bound first (integers when `integer`),
    /// followed by an optional extra condition whose parameters come after it.
    public var deleteByJSONKeys: @Sendable (_ table: String, _ key: String, _ condition: String?, _ integer: Bool) -> String
    /// Rewrites a condition built with ``inJSONArray`` before it runs (MariaDB expands its lists). Default: none.
    public var expandingLists: @Sendable (String, [SQLValue]) throws -> (String, [SQLValue])
    /// The upsert syntax.
    public var upsertSyntax: UpsertSyntax
    /// Whether `UPDATE … RETURNING` exists (MariaDB: no).
    public var updateReturning: Bool
    /// What an `INSERT` appends to return the generated `id` through a result row; nil when the connection
    /// reads the generated id itself (MariaDB's insert id).
    public var returningGeneratedID: String?
    /// How expired rows are removed in batches.
    public var expiryBatches: ExpiryBatchStyle
    /// How rows matching a filter are deleted.
    public var filteredDeletes: FilteredDeleteStyle
    /// How the distributed cache's get-and-set is made atomic.
    public var cacheSwap: CacheSwapStyle
    /// One statement that reads a live cache entry's value and renews its sliding expiry together
    /// (parameters: key, now), where the dialect can; otherwise a read, then a renewal when the entry slides.
    public var cacheReadRenewing: String?
    /// How a refresh-token rotation is made atomic.
    public var refreshRotation: RefreshRotationStyle
    /// The statement every configuration write runs last in its transaction, so that the other instances'
    /// configuration caches hear of it when, and only if, it commits. Default: a bump of the change counter they
    /// poll (`configuration_changes`); PostgreSQL: a `NOTIFY` their listeners receive.
    public var configurationChange: String

    /// A dialect: the four settings every engine writes its own way, and any other that differs from its default
    /// (each parameter is documented at the property of the same name).
    public init(placeholder: @escaping @Sendable (Int) -> String, inJSONArray: @escaping @Sendable (String, String) -> String,
                containsText: @escaping @Sendable (String, String) -> String = { column, placeholder in "instr(\(column), \(placeholder)) > 0" },
                quoteIdentifier: @escaping @Sendable (String) -> String = { $0 },
                inJSONList: (@Sendable (String, String) -> String)? = nil,
                insertJSONList: @escaping @Sendable (String, String, String, Int) -> String,
                deleteByJSONKeys: @escaping @Sendable (String, String, String?, Bool) -> String,
                expandingLists: @escaping @Sendable (String, [SQLValue]) throws -> (String, [SQLValue]) = { ($0, $1) },
                upsertSyntax: UpsertSyntax = .onConflict, updateReturning: Bool = true, returningGeneratedID: String? = " RETURNING id",
                expiryBatches: ExpiryBatchStyle = .deleteReturning(lockClause: ""), filteredDeletes: FilteredDeleteStyle = .direct,
                cacheSwap: CacheSwapStyle = .readThenUpsert, cacheReadRenewing: String? = nil,
                refreshRotation: RefreshRotationStyle = .transaction,
                configurationChange: String = SQLConfigurationChanges.bumpCounter) {
        self.placeholder = placeholder
        self.inJSONArray = inJSONArray
        self.containsText = containsText
        self.quoteIdentifier = quoteIdentifier
        self.inJSONList = inJSONList ?? inJSONArray
        self.insertJSONList = insertJSONList
        self.deleteByJSONKeys = deleteByJSONKeys
        self.expandingLists = expandingLists
        self.upsertSyntax = upsertSyntax
        self.updateReturning = updateReturning
        self.returningGeneratedID = returningGeneratedID
        self.expiryBatches = expiryBatches
        self.filteredDeletes = filteredDeletes
        self.cacheSwap = cacheSwap
        self.cacheReadRenewing = cacheReadRenewing
        self.refreshRotation = refreshRotation
        self.configurationChange = configurationChange
    }

    // MARK: Building statements

    /// `sql` written with `?` placeholders in textual order, with each one numbered as the dialect wants it
    /// (`?` outside single-quoted literals only). Call it once per statement, when a store is made.
    public func translate(_ sql: String) -> String {
        if placeholder(1) == "?" { return sql }
        var text = ""
        var number = 0
        var inLiteral = false
        for character in sql {
            if character == "'" { inLiteral.toggle() }
            if character == "?", !inLiteral {
                number += 1
                text += placeholder(number)
            } else {
                text.append(character)
            }
        }
        return text
    }

    /// One identifier, quoted as the dialect needs.
    public func quoted(_ identifier: String) -> String { quoteIdentifier(identifier) }

    /// A comma-separated column list (`key, type, …`) with every name quoted as the dialect needs.
    public func columns(_ list: String) -> String {
        list.split(separator: ",").map { quoteIdentifier($0.trimmingCharacters(in: .whitespaces)) }.joined(separator: ", ")
    }

    /// `?, ?, …` for `count` parameters (before ``translate(_:)``).
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// `INSERT INTO table(columns) VALUES (?, …)` that updates `updated` (default: every column but the
    /// first `keyCount`) when the key exists; with `?` placeholders (call ``translate(_:)``).
    public func upsert(into table: String, columns list: String, keyCount: Int = 1, updating updated: [String]? = nil) -> String {
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let keys = names.prefix(keyCount).map(quoteIdentifier).joined(separator: ", ")
        let assigned = (updated ?? Array(names.dropFirst(keyCount))).map(quoteIdentifier)
        let insert = "INSERT INTO \(table)(\(columns(list))) VALUES (\(Self.placeholders(names.count)))"
        switch upsertSyntax {
        case .onConflict:
            return insert + " ON CONFLICT (\(keys)) DO UPDATE SET " + assigned.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        case .onDuplicateKey:
            return insert + " ON DUPLICATE KEY UPDATE " + assigned.map { "\($0) = VALUES(\($0))" }.joined(separator: ", ")
        }
    }
}
