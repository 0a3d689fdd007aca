import Foundation
import IdentityStorage
import IdentityStorageSQL

/// Signing keys, one row each. The conditional store is a short transaction that first locks the
/// `signing_keys` row of `identity_storage_locks` (`SELECT … FOR UPDATE`): instances deciding at once
/// queue on that lock, and each sees the keys its predecessors stored.
struct MariaDBSigningKeyStore: SigningKeyStore {
    let database: MariaDBDatabase

    static let columns = MariaDBSQL.quoted(SQLTables.SigningKeys.columns)

    func loadKeys() async throws -> [SerializedKey] {
        try await database.run { connection in
            try connection.query("SELECT \(Self.columns) FROM signing_keys ORDER BY id", [], SQLTables.SigningKeys.decode)
        }
    }

    func storeKey(_ key: SerializedKey) async throws {
        try key.validate()
        let values = SQLTables.SigningKeys.values(key)
        // Under the same lock as the conditional store, so that one never misses a key stored meanwhile.
        try await database.transaction { connection in
            try connection.lock("signing_keys")
            try connection.run("INSERT INTO signing_keys(\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?)", values)
        }
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        try key.validate()
        let values = SQLTables.SigningKeys.values(key)
        return try await database.transaction { connection in
            try connection.lock("signing_keys")
            let newer = try connection.query("SELECT 1 FROM signing_keys WHERE created > ? LIMIT 1", [.date(threshold)]) { _ in true }
            guard newer.isEmpty else { return false }
            try connection.run("INSERT INTO signing_keys(\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            return true
        }
    }

    @discardableResult
    func deleteKey(withId id: String) async throws -> Bool {
        try FieldValidation.key(id, "signing key id")
        return try await database.run { connection in
            try connection.run("DELETE FROM signing_keys WHERE id = ?", [.text(id)]) > 0
        }
    }
}

extension MariaDBConnection {
    /// Inside a transaction: takes the row lock of `name` in `identity_storage_locks` until commit.
    func lock(_ name: String) throws {
        let rows = try query("SELECT name FROM identity_storage_locks WHERE name = ? FOR UPDATE", [.text(name)]) { _ in true }
        if rows.isEmpty {
            throw IdentityStorageError(.schemaMismatch, "the lock row '\(name)' is missing from identity_storage_locks")
        }
    }
}
