import Foundation

/// Device-flow (and CIBA) polling throttle (upstream `IDeviceFlowThrottlingService`).
public protocol DeviceFlowThrottling: Sendable {
    /// Records this poll and answers whether the client polled sooner than `interval` seconds after its previous poll.
    /// The record lives until `expiration` (or a short while from now when that is already past,
    /// never in the past: upstream #3860). Concurrent polls are ordered: at most one sees "not too fast".
    func shouldSlowDown(key: String, interval: TimeInterval, expiration: Date) async throws -> Bool
}
