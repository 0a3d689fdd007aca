import Foundation
import IdentityStorage
import IdentityStorageSQL
import IdentityStorageSQLite
import IdentityStorageTool

/// The raw SQLite figures for `idstore bench`: the same statements the stores run, on plain threads with
/// their own connections and prepared statements, no pool and no async hop.
extension SQLiteIdentityStorage: RawGrantBaseline {
    public func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64] {
        let path = configuration.path
        guard path != ":memory:" else {
            throw IdentityStorageError(.unsupported, "raw baselines need a file database: an in-memory one is private to its connection")
        }
        // Writes go through one writer in the store too: measure them on one thread.
        return try await RawBaselineThreads.onThreads(keys: keys, threads: operation == .get ? concurrency : 1) { slice in
            try Self.measure(path: path, operation: operation, keys: slice)
        }
    }

    /// The statements of the grant store itself.
    private static let grantStatements = SQLPersistedGrantStore<SQLiteDatabase>.Statements(.sqlite)

    private static func measure(path: String, operation: RawGrantOperation, keys: [String]) throws -> [UInt64] {
        let connection = try SQLiteConnection(path: path, readOnly: operation == .get, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        if operation != .get {
            // The same durability settings as the store's writer, or the comparison is not fair.
            try SQLiteSchema.configure(connection, inMemory: false)
        }
        let now = Date()
        return try RawBaselineThreads.timing(keys) { key in
            let (sql, values) = grantStatements.raw(operation, key: key, now: now)
            _ = try connection.query(sql, values) { _ in 0 }
        }
    }
}

extension SQLiteIdentityStorage: GrantBulkLoading {
    /// One transaction per call on the writer: about a million rows in a few seconds.
    public func bulkStoreGrants(_ grants: [PersistedGrant]) async throws {
        for grant in grants { try grant.validate() }
        try await database.write { connection in
            try connection.transaction {
                for grant in grants {
                    try connection.run(Self.grantStatements.upsert, SQLTables.Grants.values(grant))
                }
            }
        }
    }
}
