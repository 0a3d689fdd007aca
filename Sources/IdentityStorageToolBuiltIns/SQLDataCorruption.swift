import IdentityStorage
import IdentityStorageConformance
import IdentityStorageMariaDB
import IdentityStoragePostgres
import IdentityStorageSQL
import IdentityStorageSQLite

/// The corrupted-data cases' damage on every SQL adapter, written once: plain `SELECT` and `UPDATE` statements on the
/// store's own tables through the store's own connections, so the cases pass under the least-privileged account the
/// store can run with (no casts, no DDL, no superuser).
struct SQLDataCorruption<Database: SQLDatabase>: Sendable {
    let database: Database

    func apply(_ corruption: StoredDataCorruption) async throws {
        let dialect = database.dialect
        switch corruption {
        case .clientRefreshTokenUsage(let clientId), .clientAccessTokenType(let clientId):
            let select = dialect.translate("SELECT document FROM clients WHERE client_id = ?")
            let update = dialect.translate("UPDATE clients SET document = ? WHERE client_id = ?")
            try await database.transaction { connection in
                guard let document = try connection.query(select, [.text(clientId)], { try $0.text(0) }).first else {
                    throw IdentityStorageError(.notFound, "no client \(clientId) to damage")
                }
                let damaged = try corruption.damagingClientDocument(Array(document.utf8))
                try connection.run(update, [.text(String(decoding: damaged, as: UTF8.self)), .text(clientId)])
            }
        case .keyRingElement(let id):
            let update = dialect.translate("UPDATE key_ring SET xml = '' WHERE id = ?")
            try await database.write { connection in try connection.run(update, [.integer(id)]) }
        case .grant(let key):
            // Text columns could hold bytes that are not UTF-8 on SQLite and MariaDB, never on PostgreSQL (it validates
            // every value); an instant outside years 1–9999 is damage every engine can hold.
            let update = dialect.translate("UPDATE persisted_grants SET creation_time = ? WHERE \(dialect.quoted("key")) = ?")
            try await database.write { connection in try connection.run(update, [.integer(.max), .text(key)]) }
        }
    }
}

extension SQLiteIdentityStorage: StoredDataCorrupting {
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        try await SQLDataCorruption(database: database).apply(corruption)
    }
}

extension PostgresIdentityStorage: StoredDataCorrupting {
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        try await SQLDataCorruption(database: database).apply(corruption)
    }
}

extension MariaDBIdentityStorage: StoredDataCorrupting {
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        try await SQLDataCorruption(database: database).apply(corruption)
    }
}
