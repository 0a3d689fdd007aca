import Foundation

import IdentityStorage

// Optional abilities `idstore bench` looks for on a backend (`as?`): a backend can run the same single-row grant
// operation directly with its client library (no store layer, no Swift concurrency hop), so store/raw ratios come
// from one run on one machine; and it can load a data set in batches. The built-in backends adopt both in
// `BuiltIn/`; an adapter outside this package adopts them in its own tool target.

/// A single-row grant statement, done raw by an adapter for comparison.
public enum RawGrantOperation: String, Sendable, CaseIterable {
    /// Primary-key read of one grant.
    case get
    /// The upsert `PersistedGrantStore.storeGrant(_:)` runs.
    case upsert
    /// The get-and-delete `PersistedGrantStore.takeGrant(forKey:)` runs.
    case take
    /// The consume-once `PersistedGrantStore.consumeGrant(forKey:)` runs.
    case consume
}

/// An adapter that can measure ``RawGrantOperation``s with its C library directly.
public protocol RawGrantBaseline: Sendable {
    /// Runs `operation` once per key, spread over `concurrency` plain threads each with its own connection,
    /// and returns each call's latency in nanoseconds. Grants for `get` and `consume` must exist; `take`
    /// deletes them; `upsert` writes small grants under the keys.
    func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64]
}

/// An adapter that can insert many grants quickly (batched, in transactions), for benchmark data sets.
public protocol GrantBulkLoading: Sendable {
    /// Inserts or replaces `grants` in as few round trips as the backend allows.
    func bulkStoreGrants(_ grants: [PersistedGrant]) async throws
}

/// What every adapter's raw baseline shares: plain threads, each with its own connection, and the timing loop.
/// No pool, no async hop.
public enum RawBaselineThreads {
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
