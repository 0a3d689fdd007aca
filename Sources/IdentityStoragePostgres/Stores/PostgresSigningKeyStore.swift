import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Signing keys, one row each. The conditional store runs under the schema's `signing-keys`
/// advisory lock: `INSERT … SELECT … WHERE NOT EXISTS` alone is not safe under concurrency in
/// PostgreSQL (two READ COMMITTED transactions both see "no newer key" and both insert); with the
/// lock, the second one's statement starts after the first committed and sees its key.
struct PostgresSigningKeyStore: SigningKeyStore {
    let database: PostgresDatabase

    func loadKeys() async throws -> [SerializedKey] {
        try await database.run { connection in
            try connection.query("SELECT \(SQLTables.SigningKeys.columns) FROM signing_keys ORDER BY id", [], SQLTables.SigningKeys.decode)
        }
    }

    func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        let values = SQLTables.SigningKeys.values(key)
        try await database.run { connection in
            try connection.run("INSERT INTO signing_keys(\(SQLTables.SigningKeys.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7)", values)
        }
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        let values = SQLTables.SigningKeys.values(key) + [.date(threshold)]
        return try await database.locked("signing-keys") { connection in
            try connection.run("""
                INSERT INTO signing_keys(\(SQLTables.SigningKeys.columns))
                SELECT $1::text, $2::integer, $3::bigint, $4::text, $5::boolean, $6::text, $7::boolean
                WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE created > $8::bigint)
                """, values) == 1
        }
    }

    @discardableResult
    func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return try await database.run { connection in
            try connection.run("DELETE FROM signing_keys WHERE id = $1", [.text(id)]) > 0
        }
    }
}
