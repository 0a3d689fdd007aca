import Foundation
import IdentityStorage

/// Signing keys, one row each. The conditional store is a single `INSERT … SELECT … WHERE NOT EXISTS`.
struct SQLiteSigningKeyStore: SigningKeyStore {
    let database: SQLiteDatabase

    func loadKeys() async throws -> [SerializedKey] {
        try await database.read { connection in
            try connection.query("SELECT id, version, created, algorithm, is_x509_certificate, data, data_protected FROM signing_keys ORDER BY id") { row in
                SerializedKey(id: try row.text(0), version: row.int(1), created: row.date(2), algorithm: try row.text(3),
                              isX509Certificate: row.bool(4), data: try row.text(5), dataProtected: row.bool(6))
            }
        }
    }

    func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        try await database.write { connection in
            try connection.run("""
                INSERT INTO signing_keys(id, version, created, algorithm, is_x509_certificate, data, data_protected) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, Self.bindings(key))
        }
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        return try await database.write { connection in
            try connection.run("""
                INSERT INTO signing_keys(id, version, created, algorithm, is_x509_certificate, data, data_protected)
                SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE created > ?)
                """, Self.bindings(key) + [.date(threshold)]) == 1
        }
    }

    @discardableResult
    func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return try await database.write { connection in
            try connection.run("DELETE FROM signing_keys WHERE id = ?", [.text(id)]) > 0
        }
    }

    private static func bindings(_ key: SerializedKey) -> [SQLiteValue] {
        [.text(key.id), .int(key.version), .date(key.created), .text(key.algorithm), .bool(key.isX509Certificate), .text(key.data),
         .bool(key.dataProtected)]
    }
}
