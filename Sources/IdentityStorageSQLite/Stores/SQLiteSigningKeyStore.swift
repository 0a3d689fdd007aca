import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Signing keys, one row each. The conditional store is a single `INSERT … SELECT … WHERE NOT EXISTS`.
struct SQLiteSigningKeyStore: SigningKeyStore {
    let database: SQLiteDatabase

    func loadKeys() async throws -> [SerializedKey] {
        try await database.read { connection in
            try connection.query("SELECT \(SQLTables.SigningKeys.columns) FROM signing_keys ORDER BY id", [], SQLTables.SigningKeys.decode)
        }
    }

    func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        try await database.write { connection in
            try connection.run("""
                INSERT INTO signing_keys(id, version, created, algorithm, is_x509_certificate, data, data_protected) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, SQLTables.SigningKeys.values(key))
        }
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        return try await database.write { connection in
            try connection.run("""
                INSERT INTO signing_keys(id, version, created, algorithm, is_x509_certificate, data, data_protected)
                SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE created > ?)
                """, SQLTables.SigningKeys.values(key) + [.date(threshold)]) == 1
        }
    }

    @discardableResult
    func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return try await database.write { connection in
            try connection.run("DELETE FROM signing_keys WHERE id = ?", [.text(id)]) > 0
        }
    }

}
