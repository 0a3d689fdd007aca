import Foundation
import IdentityStorage
import IdentityStorageSQL
import Logging

/// The schema as numbered migrations, applied in one `BEGIN IMMEDIATE` transaction so that several
/// processes opening one new file at once all succeed and leave one schema.
///
/// Conventions: instants are INTEGER microseconds since 1970 (exact, and they sort); keys are TEXT
/// under SQLite's default BINARY collation (byte order, case-sensitive). Configuration items are
/// stored as one JSON document per row (loading a client is one statement), with index tables for
/// the only lookups not by primary key: CORS origins and API-resource scopes.
package enum SQLiteSchema {
    /// The schema version this library writes.
    static let currentVersion = 3

    static let migrations: [Int: String] = [
        1: """
        CREATE TABLE clients (
            client_id TEXT NOT NULL PRIMARY KEY,
            document TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE client_cors_origins (
            origin TEXT NOT NULL,
            client_id TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
            PRIMARY KEY (origin, client_id)
        ) WITHOUT ROWID;
        CREATE INDEX client_cors_origins_client ON client_cors_origins(client_id);
        CREATE TABLE identity_resources (name TEXT NOT NULL PRIMARY KEY, document TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE api_scopes (name TEXT NOT NULL PRIMARY KEY, document TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE api_resources (name TEXT NOT NULL PRIMARY KEY, document TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE api_resource_scopes (
            scope TEXT NOT NULL,
            resource_name TEXT NOT NULL REFERENCES api_resources(name) ON DELETE CASCADE,
            PRIMARY KEY (scope, resource_name)
        ) WITHOUT ROWID;
        CREATE INDEX api_resource_scopes_resource ON api_resource_scopes(resource_name);
        CREATE TABLE identity_providers (
            scheme TEXT NOT NULL PRIMARY KEY,
            display_name TEXT,
            enabled INTEGER NOT NULL,
            type TEXT NOT NULL,
            properties TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE signing_keys (
            id TEXT NOT NULL PRIMARY KEY,
            version INTEGER NOT NULL,
            created INTEGER NOT NULL,
            algorithm TEXT NOT NULL,
            is_x509_certificate INTEGER NOT NULL,
            data TEXT NOT NULL,
            data_protected INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX signing_keys_created ON signing_keys(created);
        CREATE TABLE key_ring (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            friendly_name TEXT,
            xml TEXT NOT NULL
        );
        CREATE TABLE persisted_grants (
            key TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            subject_id TEXT,
            session_id TEXT,
            client_id TEXT NOT NULL,
            description TEXT,
            creation_time INTEGER NOT NULL,
            expiration INTEGER,
            consumed_time INTEGER,
            data TEXT NOT NULL
        );
        CREATE INDEX persisted_grants_subject_client_type ON persisted_grants(subject_id, client_id, type);
        CREATE INDEX persisted_grants_subject_session_type ON persisted_grants(subject_id, session_id, type);
        CREATE INDEX persisted_grants_client_type ON persisted_grants(client_id, type);
        CREATE INDEX persisted_grants_session ON persisted_grants(session_id) WHERE session_id IS NOT NULL;
        CREATE INDEX persisted_grants_type ON persisted_grants(type);
        CREATE INDEX persisted_grants_expiration ON persisted_grants(expiration) WHERE expiration IS NOT NULL;
        CREATE INDEX persisted_grants_consumed ON persisted_grants(consumed_time) WHERE consumed_time IS NOT NULL;
        CREATE TABLE device_codes (
            device_code TEXT NOT NULL PRIMARY KEY,
            user_code TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL,
            subject_id TEXT,
            session_id TEXT,
            description TEXT,
            creation_time INTEGER NOT NULL,
            expiration INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX device_codes_expiration ON device_codes(expiration);
        CREATE TABLE server_side_sessions (
            key TEXT NOT NULL PRIMARY KEY,
            scheme TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            session_id TEXT,
            display_name TEXT,
            created INTEGER NOT NULL,
            renewed INTEGER NOT NULL,
            expires INTEGER,
            ticket TEXT NOT NULL
        );
        CREATE INDEX server_side_sessions_subject ON server_side_sessions(subject_id);
        CREATE INDEX server_side_sessions_session ON server_side_sessions(session_id) WHERE session_id IS NOT NULL;
        CREATE INDEX server_side_sessions_expires ON server_side_sessions(expires) WHERE expires IS NOT NULL;
        CREATE TABLE pushed_authorization_requests (
            reference_value_hash TEXT NOT NULL PRIMARY KEY,
            expires_at INTEGER NOT NULL,
            parameters TEXT NOT NULL
        );
        CREATE INDEX pushed_authorization_requests_expires ON pushed_authorization_requests(expires_at);
        CREATE TABLE backchannel_requests (
            internal_id TEXT NOT NULL PRIMARY KEY,
            subject_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            expiration INTEGER NOT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX backchannel_requests_subject_client ON backchannel_requests(subject_id, client_id);
        CREATE INDEX backchannel_requests_expiration ON backchannel_requests(expiration);
        CREATE TABLE cache_entries (
            key TEXT NOT NULL PRIMARY KEY,
            value BLOB NOT NULL,
            expires_at INTEGER,
            absolute_expiration INTEGER,
            sliding_microseconds INTEGER
        );
        CREATE INDEX cache_entries_expires ON cache_entries(expires_at) WHERE expires_at IS NOT NULL;
        """,
        // The configuration change counter a configuration cache polls (see SQLConfigurationChanges).
        2: "\(SQLConfigurationChanges.counterTable);\n\(SQLConfigurationChanges.counterRow);",
        // Refresh-token families: rows written before them read as families of one (no family, no successor, no reuse).
        3: """
        ALTER TABLE persisted_grants ADD COLUMN family_id TEXT;
        ALTER TABLE persisted_grants ADD COLUMN successor_key TEXT;
        ALTER TABLE persisted_grants ADD COLUMN reuse_count INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX persisted_grants_family ON persisted_grants(family_id);
        """,
    ]

    /// Connection settings: WAL for concurrent readers, NORMAL sync (durable at checkpoints, safe against corruption).
    package static func configure(_ connection: SQLiteConnection, inMemory: Bool) throws {
        if !inMemory {
            // Processes opening one new file at once race to switch it to WAL, and SQLite answers the losers
            // SQLITE_BUSY without calling the busy handler. The file is in WAL once any of them has won: look, and
            // try again for up to five seconds if it is not (this runs on a pool thread, which may sleep).
            for attempt in 1... {
                do {
                    try connection.execute("PRAGMA journal_mode = WAL")
                    break
                } catch {
                    if (try? connection.query("PRAGMA journal_mode") { try $0.text(0) })?.first == "wal" { break }
                    guard attempt < 50 else { throw error }
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
        }
        try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
    }

    /// The table that records applied migrations.
    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS identity_storage_migrations (
            version INTEGER NOT NULL PRIMARY KEY,
            applied_at INTEGER NOT NULL
        )
        """

    /// A row when the bookkeeping table exists.
    static let bookkeepingExists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identity_storage_migrations'"

    /// Applies missing migrations; returns the schema version now in force.
    @discardableResult
    static func migrate(_ connection: SQLiteConnection, logger: Logger) throws -> Int {
        try connection.transaction {
            () throws -> Int in
            try connection.execute(bookkeeping)
            return try SQLMigrations.applyPending(connection, dialect: .sqlite, latest: currentVersion, database: "the database",
                                                  logger: logger) { version in
                try connection.execute(migrations[version]!)
            }
        }
    }
}

extension SQLDialect {
    /// SQLite: `?` placeholders, lists as `IN (SELECT value FROM json_each(?))`; upserts `ON CONFLICT`;
    /// `UPDATE`/`DELETE`/`INSERT … RETURNING`; expiry batches one `DELETE … RETURNING` on the single writer.
    package static let sqlite = SQLDialect(
        placeholder: { _ in "?" },
        inJSONArray: { column, placeholder in "\(column) IN (SELECT value FROM json_each(\(placeholder)))" },
        insertJSONList: { table, valueColumn, ownerColumn, _ in
            "INSERT INTO \(table)(\(valueColumn), \(ownerColumn)) SELECT DISTINCT value, ? FROM json_each(?)"
        },
        deleteByJSONKeys: { table, key, condition, _ in
            "DELETE FROM \(table) WHERE \(key) IN (SELECT value FROM json_each(?))" + (condition.map { " AND \($0)" } ?? "")
        },
        upsertSyntax: .onConflict, updateReturning: true, returningGeneratedID: " RETURNING id",
        expiryBatches: .deleteReturning(lockClause: ""), filteredDeletes: .direct)
}
