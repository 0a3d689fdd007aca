import Foundation

/// The rule every store applies to a presented, live refresh token of the right client, written once for the stores
/// that decide in Swift (memory, SQLite); the server-side routines (PostgreSQL, MariaDB, Redis) spell the same rule.
public enum RefreshTokenDecision: Hashable, Sendable {
    /// Unconsumed: consume it and store the successor.
    case rotate
    /// Consumed less than the grace period ago and reused fewer times than allowed: count the reuse, store the successor.
    case reuseWithinGrace
    /// Consumed earlier, or reused as often as allowed: remove the family.
    case revokeFamily

    /// The decision for a token consumed at `consumedTime` (nil: not consumed) and reused `reuseCount` times, at `now`.
    public init(consumedTime: Date?, reuseCount: Int, now: Date, policy: RefreshTokenRotationPolicy) {
        guard let consumedTime else {
            self = .rotate
            return
        }
        let elapsed = now.microsecondsSince1970 - consumedTime.microsecondsSince1970
        self = elapsed < policy.gracePeriodMicroseconds && reuseCount < policy.maxReuseCount ? .reuseWithinGrace : .revokeFamily
    }
}
