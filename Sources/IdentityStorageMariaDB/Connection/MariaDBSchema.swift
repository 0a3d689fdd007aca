import Foundation
import IdentityStorage
import IdentityStorageSQL
import Logging

/// The schema as numbered migrations, applied under `GET_LOCK` so that several processes opening one
/// new database at once all succeed and leave one schema.
///
/// The tables and columns are SQLite's (Sources/IdentityStorageSQLite/Connection/SQLiteSchema.swift) in
/// MariaDB types:
/// - keys, ids, subjects, names: `VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin` (200
///   characters hold any 200-byte key; 800 bytes per key column, so the widest index, three keys, is
///   2,400 bytes, under InnoDB's 3,072-byte limit). `utf8mb4_nopad_bin` rather than `utf8mb4_bin`:
///   both compare code points (the byte order of UTF-8), but `utf8mb4_bin` is a PAD SPACE collation
///   for which `'a' = 'a '`, so keys with trailing spaces would collide. MySQL 8's equivalent is
///   `utf8mb4_0900_bin`; this is the one place the DDL is MariaDB-only.
/// - cache keys: `VARCHAR(449)` (1,796 bytes), as upstream's SQL Server cache;
/// - CORS origins: `VARCHAR(500)`, so (origin, client) fits a primary key; a longer origin is rejected
///   by the server as `tooLarge` and the client save rolls back whole;
/// - instants: `BIGINT` microseconds since 1970 (exact, they sort, no time zone anywhere);
/// - documents and payloads: `LONGTEXT` utf8mb4 (validated JSON or opaque text); cache values `LONGBLOB`;
/// - short texts (descriptions, display names, at most 4,000 bytes): `TEXT`.
/// Every DDL statement is `CREATE TABLE IF NOT EXISTS` with its indexes inline (MySQL 8 also accepts it),
/// so a migration interrupted half-way is simply re-run.
enum MariaDBSchema {
    /// The schema version this library writes.
    static let currentVersion = 3

    static let key = "VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
    static let tableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin ROW_FORMAT=DYNAMIC"

    static let migrations: [Int: [String]] = [
        1: [
            """
            CREATE TABLE IF NOT EXISTS identity_storage_locks (
                name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY
            ) \(tableOptions)
            """,
            "INSERT IGNORE INTO identity_storage_locks(name) VALUES ('signing_keys'), ('key_ring')",
            """
            CREATE TABLE IF NOT EXISTS clients (
                client_id \(key) NOT NULL PRIMARY KEY,
                document LONGTEXT NOT NULL
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS client_cors_origins (
                origin VARCHAR(500) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
                client_id \(key) NOT NULL,
                PRIMARY KEY (origin, client_id),
                KEY client_cors_origins_client (client_id),
                CONSTRAINT client_cors_origins_client_fk FOREIGN KEY (client_id) REFERENCES clients(client_id) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            "CREATE TABLE IF NOT EXISTS identity_resources (name \(key) NOT NULL PRIMARY KEY, document LONGTEXT NOT NULL) \(tableOptions)",
            "CREATE TABLE IF NOT EXISTS api_scopes (name \(key) NOT NULL PRIMARY KEY, document LONGTEXT NOT NULL) \(tableOptions)",
            "CREATE TABLE IF NOT EXISTS api_resources (name \(key) NOT NULL PRIMARY KEY, document LONGTEXT NOT NULL) \(tableOptions)",
            """
            CREATE TABLE IF NOT EXISTS api_resource_scopes (
                scope \(key) NOT NULL,
                resource_name \(key) NOT NULL,
                PRIMARY KEY (scope, resource_name),
                KEY api_resource_scopes_resource (resource_name),
                CONSTRAINT api_resource_scopes_resource_fk FOREIGN KEY (resource_name) REFERENCES api_resources(name) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS identity_providers (
                scheme \(key) NOT NULL PRIMARY KEY,
                display_name TEXT NULL,
                enabled TINYINT NOT NULL,
                type \(key) NOT NULL,
                properties LONGTEXT NOT NULL
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS signing_keys (
                id \(key) NOT NULL PRIMARY KEY,
                version BIGINT NOT NULL,
                created BIGINT NOT NULL,
                algorithm \(key) NOT NULL,
                is_x509_certificate TINYINT NOT NULL,
                data LONGTEXT NOT NULL,
                data_protected TINYINT NOT NULL,
                KEY signing_keys_created (created)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS key_ring (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                friendly_name TEXT NULL,
                xml LONGTEXT NOT NULL
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS persisted_grants (
                `key` \(key) NOT NULL PRIMARY KEY,
                type \(key) NOT NULL,
                subject_id \(key) NULL,
                session_id \(key) NULL,
                client_id \(key) NOT NULL,
                description TEXT NULL,
                creation_time BIGINT NOT NULL,
                expiration BIGINT NULL,
                consumed_time BIGINT NULL,
                data LONGTEXT NOT NULL,
                KEY persisted_grants_subject_client_type (subject_id, client_id, type),
                KEY persisted_grants_subject_session_type (subject_id, session_id, type),
                KEY persisted_grants_client_type (client_id, type),
                KEY persisted_grants_session (session_id),
                KEY persisted_grants_type (type),
                KEY persisted_grants_expiration (expiration),
                KEY persisted_grants_consumed (consumed_time)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS device_codes (
                device_code \(key) NOT NULL PRIMARY KEY,
                user_code \(key) NOT NULL,
                client_id \(key) NOT NULL,
                subject_id \(key) NULL,
                session_id \(key) NULL,
                description TEXT NULL,
                creation_time BIGINT NOT NULL,
                expiration BIGINT NOT NULL,
                data LONGTEXT NOT NULL,
                UNIQUE KEY device_codes_user_code (user_code),
                KEY device_codes_expiration (expiration)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS server_side_sessions (
                `key` \(key) NOT NULL PRIMARY KEY,
                scheme \(key) NOT NULL,
                subject_id \(key) NOT NULL,
                session_id \(key) NULL,
                display_name TEXT NULL,
                created BIGINT NOT NULL,
                renewed BIGINT NOT NULL,
                expires BIGINT NULL,
                ticket LONGTEXT NOT NULL,
                KEY server_side_sessions_subject (subject_id),
                KEY server_side_sessions_session (session_id),
                KEY server_side_sessions_expires (expires)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS pushed_authorization_requests (
                reference_value_hash \(key) NOT NULL PRIMARY KEY,
                expires_at BIGINT NOT NULL,
                parameters LONGTEXT NOT NULL,
                KEY pushed_authorization_requests_expires (expires_at)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS backchannel_requests (
                internal_id \(key) NOT NULL PRIMARY KEY,
                subject_id \(key) NOT NULL,
                client_id \(key) NOT NULL,
                expiration BIGINT NOT NULL,
                document LONGTEXT NOT NULL,
                KEY backchannel_requests_subject_client (subject_id, client_id),
                KEY backchannel_requests_expiration (expiration)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS cache_entries (
                `key` VARCHAR(449) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY,
                value LONGBLOB NOT NULL,
                expires_at BIGINT NULL,
                absolute_expiration BIGINT NULL,
                sliding_microseconds BIGINT NULL,
                KEY cache_entries_expires (expires_at)
            ) \(tableOptions)
            """,
        ],
        // The configuration change counter a configuration cache polls (see SQLConfigurationChanges).
        2: [
            "CREATE TABLE IF NOT EXISTS configuration_changes (id INT NOT NULL PRIMARY KEY, version BIGINT NOT NULL) \(tableOptions)",
            "INSERT IGNORE INTO configuration_changes(id, version) VALUES (1, 0)",
        ],
        // Refresh-token families: the columns (rows written before them read as families of one) and the rotation, one
        // procedure call (see MariaDBRefreshRotation). Every statement can run again after an interrupted migration.
        3: [
            """
            ALTER TABLE persisted_grants ADD COLUMN IF NOT EXISTS family_id \(key) NULL,
                ADD COLUMN IF NOT EXISTS successor_key \(key) NULL,
                ADD COLUMN IF NOT EXISTS reuse_count INT NOT NULL DEFAULT 0,
                ADD KEY IF NOT EXISTS persisted_grants_family (family_id)
            """,
            MariaDBRefreshRotation.procedure,
        ],
    ]

    /// The name of the migration lock: per database, at most 64 characters (MySQL's limit).
    static func lockName(database: String) -> String {
        String("identitystorage.migrate.\(database)".prefix(64))
    }

    /// The table that records applied migrations.
    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS identity_storage_migrations (
            version INT NOT NULL PRIMARY KEY,
            applied_at BIGINT NOT NULL
        ) \(tableOptions)
        """

    /// A row when the bookkeeping table exists in the connection's database.
    static let bookkeepingExists = """
        SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'identity_storage_migrations'
        """

    /// Applies missing migrations while holding `GET_LOCK` (waiting up to `lockTimeout` seconds for
    /// another process that is migrating); returns the schema version now in force.
    @discardableResult
    static func migrate(_ connection: MariaDBConnection, database: String, logger: Logger, lockTimeout: Int = 120) throws -> Int {
        let name = lockName(database: database)
        let locked = try connection.query("SELECT GET_LOCK(?, ?)", [.text(name), .int(lockTimeout)]) { row in
            row.isNull(0) ? nil : try row.int(0)
        }.first ?? nil
        guard locked == 1 else {
            throw IdentityStorageError(.timeout, "another process held the migration lock '\(name)' for more than \(lockTimeout) s")
        }
        defer { _ = try? connection.query("SELECT RELEASE_LOCK(?)", [.text(name)]) { _ in () } }
        try connection.execute(bookkeeping)
        return try SQLMigrations.applyPending(connection, dialect: .mariadb, latest: currentVersion, database: "the database",
                                                  logger: logger) { version in
            for statement in migrations[version]! { try connection.execute(statement) }
        }
    }
}

extension SQLDialect {
    /// MariaDB: `?` placeholders; a list becomes `column IN (?, ?, …)`, one parameter per element.
    ///
    /// The shared builder binds a list as one JSON array; this dialect marks that parameter and
    /// ``MariaDBSQL/expandingLists(_:_:)`` rewrites it into one placeholder per element, padded to the next
    /// power of two by repeating the last element, so a filter shape has at most a handful of statement texts
    /// (1, 2, 4, 8, … elements) that stay prepared. Why not `IN (SELECT … FROM JSON_TABLE(?))`: MariaDB
    /// estimates every JSON_TABLE at 40 rows, so on a column with few distinct values (grant types) it
    /// prefers a full index scan; with literal lists the range optimizer dives into the index for each value
    /// and looks them up (checked by EXPLAIN in the tests). `IN (?, …)` is also what MySQL 8 plans best.
    ///
    /// Identifiers quoted (`key` is reserved); other lists (resource names, scopes) joined through `JSON_TABLE`;
    /// upserts `ON DUPLICATE KEY UPDATE`; no `UPDATE … RETURNING` (consume is a transaction); the generated
    /// id read from the connection; expiry batches a transaction of `SELECT … FOR UPDATE SKIP LOCKED` and a
    /// delete by key list; filtered grant deletes by key list (``MariaDBSQL/deleteByKeys(table:key:condition:integer:)``).
    package static let mariadb = SQLDialect(
        placeholder: { _ in "?" },
        inJSONArray: { column, placeholder in "\(column) IN (\(placeholder)\(MariaDBSQL.listMarker))" },
        quoteIdentifier: { "`\($0)`" },
        inJSONList: { column, placeholder in "\(column) IN (\(MariaDBSQL.jsonList(placeholder)))" },
        insertJSONList: { table, valueColumn, ownerColumn, width in
            "INSERT INTO \(table)(\(valueColumn), \(ownerColumn)) SELECT v, ? FROM (\(MariaDBSQL.jsonList(width: width))) AS items"
        },
        deleteByJSONKeys: { table, key, condition, integer in MariaDBSQL.deleteByKeys(table: table, key: key, condition: condition, integer: integer) },
        expandingLists: { sql, values in try MariaDBSQL.expandingLists(sql, values) },
        upsertSyntax: .onDuplicateKey, updateReturning: false, returningGeneratedID: nil,
        expiryBatches: .selectLockedThenDelete, filteredDeletes: .keysThenDelete(chunk: 1000), cacheSwap: .insertOrLockRow,
        refreshRotation: .routine(call: MariaDBRefreshRotation.call))
}

/// SQL fragments shared by the MariaDB stores.
enum MariaDBSQL {
    /// The values of the JSON array of strings bound at `placeholder`, as a one-column derived table
    /// (`width` characters: 449 holds any key; CORS origins pass a wider one so that an over-long origin
    /// reaches its column and fails there as `tooLarge` instead of being cut).
    static func jsonList(_ placeholder: String = "?", width: Int = 449) -> String {
        "SELECT v FROM JSON_TABLE(\(placeholder), '$[*]' COLUMNS (v VARCHAR(\(width)) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$')) AS list"
    }

    /// `DELETE` of the rows of `table` whose `key` column is in the JSON array bound to the first parameter,
    /// followed by an optional extra condition.
    ///
    /// The list drives the join (`STRAIGHT_JOIN`) and each row is found through the primary key. This matters
    /// for locking: the optimizer estimates every JSON_TABLE at 40 rows, so on a small table it would rather
    /// scan the table and probe the list, and a locking scan would lock every row it reads, blocking or
    /// starving concurrent cleaners (`FOR UPDATE SKIP LOCKED` skips rows a scanning DELETE holds).
    static func deleteByKeys(table: String, key: String, condition: String? = nil, integer: Bool = false) -> String {
        let list = integer
            ? "JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$'))"
            : "JSON_TABLE(?, '$[*]' COLUMNS (k VARCHAR(449) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin PATH '$'))"
        return "DELETE target FROM \(list) AS keys_to_delete STRAIGHT_JOIN \(table) AS target ON target.`\(key)` = keys_to_delete.k"
            + (condition.map { " WHERE \($0)" } ?? "")
    }

    /// Follows a placeholder whose value is a JSON array to expand (see ``SQLDialect/mariadb``).
    static let listMarker = "/*list*/"

    /// Rewrites every list parameter marked by ``SQLDialect/mariadb`` into one placeholder per element
    /// (padded to a power of two with the last element) and the element values.
    static func expandingLists(_ sql: String, _ values: [SQLValue]) throws(IdentityStorageError) -> (sql: String, values: [SQLValue]) {
        guard sql.contains(listMarker) else { return (sql, values) }
        var text = ""
        var expanded: [SQLValue] = []
        var remaining = values[...]
        var rest = Substring(sql)
        while let mark = rest.firstIndex(of: "?") {
            text += rest[..<mark]
            rest = rest[rest.index(after: mark)...]
            guard let value = remaining.popFirst() else {
                throw IdentityStorageError(.invalidArgument, "statement '\(MariaDBErrors.excerpt(sql))' has more placeholders than values")
            }
            guard rest.hasPrefix(listMarker) else {
                text += "?"
                expanded.append(value)
                continue
            }
            rest = rest.dropFirst(listMarker.count)
            guard case .text(let json) = value,
                  let elements = try? JSONDecoder().decode([String].self, from: Data(json.utf8)), let last = elements.last else {
                throw IdentityStorageError(.invalidArgument, "a list parameter of '\(MariaDBErrors.excerpt(sql))' is not a non-empty JSON array of strings")
            }
            var size = 1
            while size < elements.count { size *= 2 }
            text += placeholders(size)
            expanded += elements.map(SQLValue.text) + Array(repeating: .text(last), count: size - elements.count)
        }
        text += rest
        expanded += remaining
        return (text, expanded)
    }

    /// `?, ?, …` for `count` parameters.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
