import CSQLite3
import Foundation
@_spi(Benchmark) import IdentityStorage
import IdentityStorageSQL

/// The raw SQLite figures for `idstore bench`: the same statements the stores run, on plain threads with
/// their own connections and prepared statements, no pool and no async hop.
@_spi(Benchmark)
extension SQLiteIdentityStorage: RawGrantBaseline {
    public func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64] {
        let path = configuration.path
        guard path != ":memory:" else {
            throw IdentityStorageError(.unsupported, "raw baselines need a file database: an in-memory one is private to its connection")
        }
        // Writes go through one writer in the store too: measure them on one thread.
        let threads = operation == .get ? max(1, concurrency) : 1
        let slices = (0..<threads).map { index in stride(from: index, to: keys.count, by: threads).map { keys[$0] } }
        let results = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for slice in slices {
                group.addTask { try await Self.runOnThread(path: path, operation: operation, keys: slice) }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        return results
    }

    /// The statements of the grant store itself.
    private static let grantStatements = SQLPersistedGrantStore<SQLiteDatabase>.Statements(.sqlite)
    private static let statements: [RawGrantOperation: String] = [
        .get: grantStatements.get, .upsert: grantStatements.upsert, .take: grantStatements.take, .consume: grantStatements.consume,
    ]

    private static func runOnThread(path: String, operation: RawGrantOperation, keys: [String]) async throws -> [UInt64] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try measure(path: path, operation: operation, keys: keys) })
            }.start()
        }
    }

    private static func measure(path: String, operation: RawGrantOperation, keys: [String]) throws -> [UInt64] {
        let connection = try SQLiteConnection(path: path, readOnly: operation == .get, busyTimeoutMilliseconds: 5000)
        defer { connection.close() }
        if operation != .get {
            // The same durability settings as the store's writer, or the comparison is not fair.
            try SQLiteSchema.configure(connection, inMemory: false)
        }
        let sql = statements[operation]!
        var latencies: [UInt64] = []
        latencies.reserveCapacity(keys.count)
        let now = Date()
        for key in keys {
            let values: [SQLValue]
            switch operation {
            case .get, .take: values = [.text(key)]
            case .consume: values = [.date(now), .text(key)]
            case .upsert:
                values = SQLTables.Grants.values(PersistedGrant(key: key, type: "refresh_token", subjectId: "bench", clientId: "bench",
                                                                creationTime: now, expiration: now.addingTimeInterval(3600), data: "raw"))
            }
            let started = DispatchTime.now().uptimeNanoseconds
            _ = try connection.query(sql, values) { _ in 0 }
            latencies.append(DispatchTime.now().uptimeNanoseconds - started)
        }
        return latencies
    }
}

@_spi(Benchmark)
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
