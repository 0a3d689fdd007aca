import Foundation
@_spi(Benchmark) import IdentityStorage

/// What the SQL adapters' raw benchmark baselines (`idstore bench`) share: the grant store's own statements
/// and parameters, plain threads each with its own connection, and the timing loop. No pool, no async hop.
@_spi(Benchmark)
public enum SQLRawBaseline {
    /// Runs `measure` on `threads` plain threads, each with an interleaved slice of `keys`, and gathers the latencies.
    public static func onThreads(keys: [String], threads: Int,
                                 _ measure: @escaping @Sendable ([String]) throws -> [UInt64]) async throws -> [UInt64] {
        let threads = max(1, threads)
        let slices = (0..<threads).map { index in stride(from: index, to: keys.count, by: threads).map { keys[$0] } }
        return try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for slice in slices {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread { continuation.resume(with: Result { try measure(slice) }) }.start()
                    }
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
    }

    /// Times `call` once per key, in nanoseconds.
    public static func timing(_ keys: [String], _ call: (String) throws -> Void) rethrows -> [UInt64] {
        var latencies: [UInt64] = []
        latencies.reserveCapacity(keys.count)
        for key in keys {
            let started = DispatchTime.now().uptimeNanoseconds
            try call(key)
            latencies.append(DispatchTime.now().uptimeNanoseconds - started)
        }
        return latencies
    }
}

extension SQLPersistedGrantStore.Statements {
    /// The statement the grant store runs for `operation` on `key`, and its parameters (`now`: the consume
    /// instant and the grants' creation time). Consume without `UPDATE … RETURNING` is this update, then
    /// ``consumedRow`` in one transaction.
    @_spi(Benchmark)
    public func raw(_ operation: RawGrantOperation, key: String, now: Date) -> (sql: String, bindings: [SQLValue]) {
        switch operation {
        case .get: (get, [.text(key)])
        case .take: (take, [.text(key)])
        case .consume: (consume, [.date(now), .text(key)])
        case .upsert:
            (upsert, SQLTables.Grants.values(PersistedGrant(key: key, type: "refresh_token", subjectId: "bench", clientId: "bench",
                                                           creationTime: now, expiration: now.addingTimeInterval(3600), data: "raw")))
        }
    }
}
