/// Runs a write of several server calls (a cleanup batch) to its end, even when the caller's task is cancelled
/// meanwhile, and returns what it did: the rows a started batch has removed are gone, so its caller must learn of them.
/// A caller already cancelled gets `CancellationError` and the batch does not start.
///
/// The batch runs in a task of its own, which the caller's cancellation does not reach; the caller waits for it.
package func wholeBatch<T: Sendable>(_ batch: @escaping @Sendable () async throws -> T) async throws -> T {
    try Task.checkCancellation()
    return try await Task { try await batch() }.value
}
