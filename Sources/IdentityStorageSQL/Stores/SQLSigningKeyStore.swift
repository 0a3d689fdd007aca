import Foundation
import IdentityStorage

/// Signing keys on any SQL adapter, one row each. Every store runs under the ``SQLLock/signingKeys``
/// lock (``SQLDatabase/locked(_:_:)``): the conditional store looks for a newer key and inserts only if
/// there is none, and with the lock held no other store can slip in between (`INSERT … WHERE NOT EXISTS`
/// alone is not safe in PostgreSQL: two READ COMMITTED transactions both see "no newer key").
public struct SQLSigningKeyStore<Database: SQLDatabase>: SigningKeyStore {
    let database: Database
    let statements: Statements

    /// The statements, built once per store for the database's dialect.
    struct Statements: Sendable {
        let all, insert, newer, delete: String

        init(_ dialect: SQLDialect) {
            let columns = dialect.columns(SQLTables.SigningKeys.columns)
            all = dialect.translate("SELECT \(columns) FROM signing_keys ORDER BY id")
            insert = dialect.translate("INSERT INTO signing_keys(\(columns)) VALUES (\(SQLDialect.placeholders(SQLTables.SigningKeys.count)))")
            newer = dialect.translate("SELECT 1 FROM signing_keys WHERE created > ? LIMIT 1")
            delete = dialect.translate("DELETE FROM signing_keys WHERE id = ?")
        }
    }

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
        self.statements = Statements(database.dialect)
    }

    /// Every stored key, data byte-exact, in byte order of id.
    public func loadKeys() async throws -> [SerializedKey] {
        let sql = statements.all
        return try await database.read { connection in
            try connection.query(sql, []) { try SQLTables.SigningKeys.decode($0) }
        }
    }

    /// Stores a new key. A key with the same id already stored gives
    /// `IdentityStorageError.Code.duplicate` and is left unchanged.
    public func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        let values = SQLTables.SigningKeys.values(key)
        let sql = statements.insert
        // Under the same lock as the conditional store, so that one never misses a key stored meanwhile.
        try await database.locked(.signingKeys) { connection in
            try connection.run(sql, values)
        }
    }

    /// Stores `key` only if no stored key was created after `threshold`: the compare-and-set a key
    /// manager uses ("create a key only if nobody created one since I last looked"). Returns whether it stored.
    /// Exactly one of several concurrent callers with the same threshold wins.
    public func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        try FieldValidation.threshold(threshold, "ifNoKeyCreatedAfter")
        let values = SQLTables.SigningKeys.values(key)
        let statements = statements
        return try await database.locked(.signingKeys) { connection in
            guard try connection.query(statements.newer, [.date(threshold)], { _ in true }).isEmpty else { return false }
            try connection.run(statements.insert, values)
            return true
        }
    }

    /// Deletes the key; false when there was none (never an error).
    @discardableResult
    public func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        let sql = statements.delete
        return try await database.write { connection in
            try connection.run(sql, [.text(id)]) > 0
        }
    }
}
