import IdentityStorage
import IdentityStorageSQL
import Logging

/// The schema as numbered migrations: the same tables and columns as the SQLite adapter's, in
/// PostgreSQL types, applied in one transaction under `pg_advisory_xact_lock`, so that several
/// processes migrating one empty database at once all succeed and leave one schema.
///
/// Types:
/// - keys, ids, subjects, client ids, types, schemes: `text COLLATE "C"` (byte order, case-sensitive,
///   no normalisation: "é" precomposed and decomposed are different keys);
/// - instants: `bigint` microseconds since 1970, UTC by construction (exact, they sort, and neither
///   the server's `TimeZone` nor the client's `TZ` can shift them); the shared SQL code binds them so;
/// - documents (clients, resources, CIBA requests, provider properties) and payloads: `text`, which
///   returns byte-exactly what was written (`jsonb` would reorder keys and normalise numbers);
/// - cache values: `bytea`, sent and read in binary format;
/// - flags: `boolean`; key-ring ids: an identity column (increasing, never reused).
///
/// Every filter and cleanup query has an index (checked with `EXPLAIN` by the tests); cleanup
/// indexes end with the key, so `ORDER BY expiry, key LIMIT n` reads the index in order without a sort.
enum PostgresSchema {
    /// The schema version this library writes.
    static let currentVersion = 2

    static let migrations: [Int: String] = [
        1: """
        CREATE TABLE clients (
            client_id text COLLATE "C" NOT NULL PRIMARY KEY,
            document text NOT NULL
        );
        CREATE TABLE client_cors_origins (
            origin text COLLATE "C" NOT NULL,
            client_id text COLLATE "C" NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
            PRIMARY KEY (origin, client_id)
        );
        CREATE INDEX client_cors_origins_client ON client_cors_origins(client_id);
        CREATE TABLE identity_resources (name text COLLATE "C" NOT NULL PRIMARY KEY, document text NOT NULL);
        CREATE TABLE api_scopes (name text COLLATE "C" NOT NULL PRIMARY KEY, document text NOT NULL);
        CREATE TABLE api_resources (name text COLLATE "C" NOT NULL PRIMARY KEY, document text NOT NULL);
        CREATE TABLE api_resource_scopes (
            scope text COLLATE "C" NOT NULL,
            resource_name text COLLATE "C" NOT NULL REFERENCES api_resources(name) ON DELETE CASCADE,
            PRIMARY KEY (scope, resource_name)
        );
        CREATE INDEX api_resource_scopes_resource ON api_resource_scopes(resource_name);
        CREATE TABLE identity_providers (
            scheme text COLLATE "C" NOT NULL PRIMARY KEY,
            display_name text,
            enabled boolean NOT NULL,
            type text COLLATE "C" NOT NULL,
            properties text NOT NULL
        );
        CREATE TABLE signing_keys (
            id text COLLATE "C" NOT NULL PRIMARY KEY,
            version integer NOT NULL,
            created bigint NOT NULL,
            algorithm text COLLATE "C" NOT NULL,
            is_x509_certificate boolean NOT NULL,
            data text NOT NULL,
            data_protected boolean NOT NULL
        );
        CREATE INDEX signing_keys_created ON signing_keys(created);
        CREATE TABLE key_ring (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            friendly_name text,
            xml text NOT NULL
        );
        CREATE TABLE persisted_grants (
            key text COLLATE "C" NOT NULL PRIMARY KEY,
            type text COLLATE "C" NOT NULL,
            subject_id text COLLATE "C",
            session_id text COLLATE "C",
            client_id text COLLATE "C" NOT NULL,
            description text,
            creation_time bigint NOT NULL,
            expiration bigint,
            consumed_time bigint,
            data text NOT NULL
        );
        CREATE INDEX persisted_grants_subject_client_type ON persisted_grants(subject_id, client_id, type);
        CREATE INDEX persisted_grants_subject_session_type ON persisted_grants(subject_id, session_id, type);
        CREATE INDEX persisted_grants_client_type ON persisted_grants(client_id, type);
        CREATE INDEX persisted_grants_session ON persisted_grants(session_id) WHERE session_id IS NOT NULL;
        CREATE INDEX persisted_grants_type ON persisted_grants(type);
        CREATE INDEX persisted_grants_expiration ON persisted_grants(expiration, key) WHERE expiration IS NOT NULL;
        CREATE INDEX persisted_grants_consumed ON persisted_grants(consumed_time, key) WHERE consumed_time IS NOT NULL;
        CREATE TABLE device_codes (
            device_code text COLLATE "C" NOT NULL PRIMARY KEY,
            user_code text COLLATE "C" NOT NULL UNIQUE,
            client_id text COLLATE "C" NOT NULL,
            subject_id text COLLATE "C",
            session_id text COLLATE "C",
            description text,
            creation_time bigint NOT NULL,
            expiration bigint NOT NULL,
            data text NOT NULL
        );
        CREATE INDEX device_codes_expiration ON device_codes(expiration, device_code);
        CREATE TABLE server_side_sessions (
            key text COLLATE "C" NOT NULL PRIMARY KEY,
            scheme text COLLATE "C" NOT NULL,
            subject_id text COLLATE "C" NOT NULL,
            session_id text COLLATE "C",
            display_name text COLLATE "C",
            created bigint NOT NULL,
            renewed bigint NOT NULL,
            expires bigint,
            ticket text NOT NULL
        );
        CREATE INDEX server_side_sessions_subject ON server_side_sessions(subject_id);
        CREATE INDEX server_side_sessions_session ON server_side_sessions(session_id) WHERE session_id IS NOT NULL;
        CREATE INDEX server_side_sessions_expires ON server_side_sessions(expires, key) WHERE expires IS NOT NULL;
        CREATE TABLE pushed_authorization_requests (
            reference_value_hash text COLLATE "C" NOT NULL PRIMARY KEY,
            expires_at bigint NOT NULL,
            parameters text NOT NULL
        );
        CREATE INDEX pushed_authorization_requests_expires ON pushed_authorization_requests(expires_at, reference_value_hash);
        CREATE TABLE backchannel_requests (
            internal_id text COLLATE "C" NOT NULL PRIMARY KEY,
            subject_id text COLLATE "C" NOT NULL,
            client_id text COLLATE "C" NOT NULL,
            expiration bigint NOT NULL,
            document text NOT NULL
        );
        CREATE INDEX backchannel_requests_subject_client ON backchannel_requests(subject_id, client_id);
        CREATE INDEX backchannel_requests_expiration ON backchannel_requests(expiration, internal_id);
        CREATE TABLE cache_entries (
            key text COLLATE "C" NOT NULL PRIMARY KEY,
            value bytea NOT NULL,
            expires_at bigint,
            absolute_expiration bigint,
            sliding_microseconds bigint
        );
        CREATE INDEX cache_entries_expires ON cache_entries(expires_at, key) WHERE expires_at IS NOT NULL;
        """,
        // Refresh-token families: the columns (rows written before them read as families of one) and the rotation, one
        // function call (see PostgresRefreshRotation).
        2: """
        ALTER TABLE persisted_grants ADD COLUMN IF NOT EXISTS family_id text COLLATE "C",
            ADD COLUMN IF NOT EXISTS successor_key text COLLATE "C",
            ADD COLUMN IF NOT EXISTS reuse_count integer NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS persisted_grants_family ON persisted_grants(family_id) WHERE family_id IS NOT NULL;
        \(PostgresRefreshRotation.function)
        """,
    ]

    /// The table that records applied migrations.
    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS identity_storage_migrations (
            version integer NOT NULL PRIMARY KEY,
            applied_at bigint NOT NULL
        )
        """

    /// A row when the bookkeeping table exists in the session's schema (none when the schema does not exist yet).
    static let bookkeepingExists = "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'identity_storage_migrations'"

    /// Applies missing migrations in one transaction under the schema's advisory lock; returns the version in force.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, schema: String, logger: Logger) throws -> Int {
        try connection.transaction {
            () throws -> Int in
            try connection.run("SELECT pg_advisory_xact_lock($1::bigint)", [.integer(lockKey("migrate", schema: schema))])
            // Creating only when missing: CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege even when it exists.
            let exists = try !connection.query("SELECT 1 FROM pg_namespace WHERE nspname = $1::text", [.text(schema)]) { _ in true }.isEmpty
            if !exists { try connection.executeScript("CREATE SCHEMA \(quoted(schema))") }
            try connection.executeScript(bookkeeping)
            return try SQLMigrations.applyPending(connection, dialect: .postgres, latest: currentVersion,
                                                  database: "the PostgreSQL schema '\(schema)'", logger: logger) { version in
                try connection.executeScript(migrations[version]!)
            }
        }
    }

    /// A schema name the adapter accepts: an unquoted-style identifier, so it is safe inside SQL text.
    static func validateSchemaName(_ name: String) throws(IdentityStorageError) {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 63 && bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
        } && !(bytes[0] >= 0x30 && bytes[0] <= 0x39)
        if !valid {
            throw .invalidArgument("PostgreSQL schema name '\(name)' must be 1 to 63 letters, digits or '_', not starting with a digit")
        }
    }

    /// The schema name as a quoted identifier (validated names contain no quote).
    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// A 64-bit advisory-lock key for `purpose` in `schema`: FNV-1a, stable across processes and
    /// releases, so every instance of one deployment takes the same lock and other schemas take others.
    static func lockKey(_ purpose: String, schema: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "identitystorage:\(schema):\(purpose)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }

    /// The first key of the two-key advisory locks per cache key (`pg_advisory_xact_lock(int4, int4)`,
    /// the second key being `hashtext(key)`); a separate lock space from the one-key locks above.
    static func cacheLockClass(schema: String) -> Int32 {
        Int32(truncatingIfNeeded: lockKey("cache", schema: schema))
    }
}

extension SQLDialect {
    /// PostgreSQL: `$n` placeholders; a list bound as one JSON array (so each filter shape is one
    /// prepared statement) is unpacked into an array, `column = ANY(ARRAY(SELECT jsonb_array_elements_text($n::jsonb)))`:
    /// the array is computed once (an InitPlan) and the condition is an index condition on `column`,
    /// which `EXPLAIN` shows for every grant-filter shape (see the index tests). `IN (SELECT jsonb_array_elements_text(…))`
    /// also uses the indexes but plans as a join against a function scan estimated at 100 rows.
    /// Substrings with `strpos`, which compares bytes under `COLLATE "C"`.
    ///
    /// Upserts `ON CONFLICT`; `UPDATE`/`DELETE`/`INSERT … RETURNING`; expiry batches one
    /// `DELETE` of a materialised `SELECT … FOR UPDATE SKIP LOCKED` batch, `RETURNING`, so concurrent cleaners lock
    /// disjoint rows without waiting for each other. The stores use ``postgres(schema:)``: the cache's
    /// get-and-set locks in its schema's lock class (here 0, for statements that need no schema).
    package static let postgres = SQLDialect(
        placeholder: { "$\($0)" },
        inJSONArray: { column, placeholder in "\(column) = ANY(ARRAY(SELECT jsonb_array_elements_text(\(placeholder)::jsonb)))" },
        containsText: { column, placeholder in "strpos(\(column), \(placeholder)) > 0" },
        insertJSONList: { table, valueColumn, ownerColumn, _ in
            "INSERT INTO \(table)(\(valueColumn), \(ownerColumn)) SELECT DISTINCT item, ?::text FROM jsonb_array_elements_text(?::jsonb) AS list(item)"
        },
        deleteByJSONKeys: { table, key, condition, integer in
            "DELETE FROM \(table) WHERE \(key) = ANY(ARRAY(SELECT jsonb_array_elements_text(?::jsonb)\(integer ? "::bigint" : "")))"
                + (condition.map { " AND \($0)" } ?? "")
        },
        upsertSyntax: .onConflict, updateReturning: true, returningGeneratedID: " RETURNING id",
        expiryBatches: .deleteReturning(lockClause: " FOR UPDATE SKIP LOCKED"), filteredDeletes: .direct,
        cacheSwap: cacheSwap(lockClass: 0),
        cacheReadRenewing: """
            WITH hit AS (
                SELECT value FROM cache_entries WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2::bigint)
            ), renewed AS (
                UPDATE cache_entries SET expires_at = LEAST($2::bigint + sliding_microseconds, absolute_expiration)
                WHERE key = $1 AND sliding_microseconds IS NOT NULL AND expires_at > $2::bigint
            )
            SELECT value FROM hit
            """,
        refreshRotation: .routine(call: PostgresRefreshRotation.call),
        configurationChange: "SELECT pg_notify('\(PostgresConfigurationListener.channel)', current_schema())")

    /// The PostgreSQL dialect of one schema: the cache's per-key advisory locks in that schema's lock class.
    static func postgres(schema: String) -> SQLDialect {
        var dialect = SQLDialect.postgres
        dialect.cacheSwap = cacheSwap(lockClass: PostgresSchema.cacheLockClass(schema: schema))
        return dialect
    }

    /// Cache get-and-set: a per-key advisory lock (`pg_advisory_xact_lock(class, hashtext(key))`, needed
    /// because a missing row cannot be locked with `FOR UPDATE`), then one statement that locks the row and
    /// keeps its value (`previous`) before upserting the new one (`stored` reads from `previous`).
    private static func cacheSwap(lockClass: Int32) -> CacheSwapStyle {
        .lockThenSwap(lock: "SELECT pg_advisory_xact_lock($1::integer, hashtext($2::text))", lockBindings: [.int(Int(lockClass))], swap: """
            WITH previous AS (
                SELECT value, expires_at FROM cache_entries WHERE key = $1 FOR UPDATE
            ), stored AS (
                INSERT INTO cache_entries(key, value, expires_at, absolute_expiration, sliding_microseconds)
                SELECT $1::text, $2::bytea, $3::bigint, $4::bigint, $5::bigint FROM (SELECT count(*) FROM previous) AS locked
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
                    absolute_expiration = excluded.absolute_expiration, sliding_microseconds = excluded.sliding_microseconds
            )
            SELECT value FROM previous WHERE expires_at IS NULL OR expires_at > $6::bigint
            """)
    }
}
