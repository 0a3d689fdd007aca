import Foundation

/// How hard a cleanup pass presses on the backend: the pause it takes after each batch.
///
/// A batch that deletes thousands of rows takes a whole server core on a small machine while it runs, and the
/// server's other callers queue behind it. Pausing between batches leaves the server free for them.
public struct CleanupPace: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable {
        case unlimited
        case dutyCycle(Double)
        case rowsPerSecond(Int)
    }

    private let kind: Kind

    /// No pause: batches back to back, as fast as the backend deletes.
    public static let unlimited = CleanupPace(kind: .unlimited)

    /// Busy for at most `fraction` of the time (0 < fraction ≤ 1): after a batch that took `t`, a pause of
    /// `t × (1 − fraction) / fraction`. It adapts by itself: a loaded server makes batches slower and so the pauses
    /// longer.
    public static func dutyCycle(_ fraction: Double) throws(IdentityStorageError) -> CleanupPace {
        guard fraction > 0, fraction <= 1, fraction.isFinite else {
            throw .invalidArgument("cleanup duty cycle \(fraction) must be more than 0 and at most 1")
        }
        return CleanupPace(kind: fraction == 1 ? .unlimited : .dutyCycle(fraction))
    }

    /// At most `rows` rows a second on average: after a batch of `n` rows that took `t`, a pause of
    /// `n / rows − t` when that is positive.
    public static func rowsPerSecond(_ rows: Int) throws(IdentityStorageError) -> CleanupPace {
        guard rows > 0 else { throw .invalidArgument("cleanup pace of \(rows) rows per second must be positive") }
        return CleanupPace(kind: .rowsPerSecond(rows))
    }

    /// The default: a duty cycle of 20 %, which keeps concurrent grant reads within 3× of their idle p99 on every
    /// built-in backend (measured by `idstore bench --workload cleanup`).
    public static let `default` = CleanupPace(kind: .dutyCycle(0.2))

    /// Parses `unlimited`, a percentage (`20%`, a duty cycle) or a rate (`5000/s`, rows per second).
    public init(parsing text: String) throws(IdentityStorageError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "unlimited" || trimmed == "none" {
            self = .unlimited
        } else if trimmed.hasSuffix("%"), let percent = Double(trimmed.dropLast()) {
            self = try .dutyCycle(percent / 100)
        } else if trimmed.hasSuffix("/s"), let rows = Int(trimmed.dropLast(2)) {
            self = try .rowsPerSecond(rows)
        } else {
            throw .invalidArgument("cleanup pace '\(text)' is not 'unlimited', a duty cycle like '20%' or a rate like '5000/s'")
        }
    }

    private init(kind: Kind) {
        self.kind = kind
    }

    /// The pause after a batch of `rows` rows that took `elapsed`.
    public func pause(afterBatchOf rows: Int, took elapsed: Duration) -> Duration {
        switch kind {
        case .unlimited:
            return .zero
        case .dutyCycle(let fraction):
            return elapsed * ((1 - fraction) / fraction)
        case .rowsPerSecond(let rate):
            let due = Duration.seconds(Double(rows) / Double(rate))
            return due > elapsed ? due - elapsed : .zero
        }
    }

    /// `unlimited`, `20%` or `5000/s`: what ``init(parsing:)`` reads.
    public var description: String {
        switch kind {
        case .unlimited: "unlimited"
        case .dutyCycle(let fraction): "\((fraction * 100).formatted(.number.precision(.fractionLength(0...2))))%"
        case .rowsPerSecond(let rate): "\(rate)/s"
        }
    }
}
