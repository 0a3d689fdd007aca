import Testing

/// Runs `body`, failing the test with a clear issue if it has not returned within `limit`, counted from this call, and
/// cancelling it then.
///
/// For the product's part of a test that guards against a hang: start it once the test holds what it waits for (a
/// server's gate, its database). Swift Testing's `.timeLimit` counts from the test's start, so on a loaded machine it
/// also counts the time the test waits behind other tests (for a gate, for a core), which is no hang of ours; keep a
/// long one on the test as the last resort for a body that ignores cancellation.
public func withHangGuard<T: Sendable>(_ limit: Duration, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                                       _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard case let value?? = try await group.next() else {
            Issue.record("\(what) did not finish within \(limit): it hangs", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return value
    }
}
