// For `idstore bench`: each adapter can run the same single-row grant operation directly with its C
// library (no store layer, no Swift concurrency hop), so store/raw ratios come from one run on one machine.

/// A single-row grant statement, done raw by an adapter for comparison.
@_spi(Benchmark)
public enum RawGrantOperation: String, Sendable, CaseIterable {
    /// Primary-key read of one grant.
    case get
    /// The upsert ``PersistedGrantStore/storeGrant(_:)`` runs.
    case upsert
    /// The get-and-delete ``PersistedGrantStore/takeGrant(forKey:)`` runs.
    case take
    /// The consume-once ``PersistedGrantStore/consumeGrant(forKey:)`` runs.
    case consume
}

/// An adapter that can measure ``RawGrantOperation``s with its C library directly.
@_spi(Benchmark)
public protocol RawGrantBaseline: Sendable {
    /// Runs `operation` once per key, spread over `concurrency` plain threads each with its own connection,
    /// and returns each call's latency in nanoseconds. Grants for `get` and `consume` must exist; `take`
    /// deletes them; `upsert` writes small grants under the keys.
    func measureRaw(_ operation: RawGrantOperation, keys: [String], concurrency: Int) async throws -> [UInt64]
}

/// An adapter that can insert many grants quickly (batched, in transactions), for benchmark data sets.
@_spi(Benchmark)
public protocol GrantBulkLoading: Sendable {
    /// Inserts or replaces `grants` in as few round trips as the backend allows.
    func bulkStoreGrants(_ grants: [PersistedGrant]) async throws
}
