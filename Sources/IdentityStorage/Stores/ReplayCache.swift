import Foundation

/// The replay cache (upstream `IReplayCache`), used for DPoP proof and client-assertion `jti`s.
public protocol ReplayCache: Sendable {
    /// Records the handle until `expiration` if it was not recorded yet, atomically.
    /// Returns true for the first sighting only: of any number of concurrent callers exactly one gets true.
    /// An `expiration` already past stores nothing and returns true (nothing to guard against any more).
    func tryAdd(purpose: String, handle: String, expiration: Date) async throws -> Bool

    /// Whether the handle is recorded and not expired.
    func exists(purpose: String, handle: String) async throws -> Bool
}

extension ReplayCache {
    /// Upstream's `AddAsync`: records the handle, ignoring whether it was new.
    public func add(purpose: String, handle: String, expiration: Date) async throws {
        _ = try await tryAdd(purpose: purpose, handle: handle, expiration: expiration)
    }
}
