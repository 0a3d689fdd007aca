import Foundation
import Synchronization

/// The source of "now" for every expiry decision a store makes.
///
/// Adapters that evaluate expiry in the client (the in-memory and SQL adapters) take a clock in
/// their configuration, so tests can move time instead of sleeping. Adapters whose server owns
/// expiry (Redis TTLs) declare ``StoreCapabilities/injectableClock`` as absent.
public protocol WallClock: Sendable {
    /// The current instant.
    var now: Date { get }
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    /// The system clock.
    public init() {}
    public var now: Date { Date() }
}

/// A clock that only moves when told to; for tests.
public final class ManualWallClock: WallClock {
    // Mutex guards the one instant; readers and `advance` never see a torn value.
    private let instant: Mutex<Date>

    /// Starts at `start`, rounded to the storage precision so stored instants compare exactly.
    public init(start: Date = Date()) {
        instant = Mutex(start.roundedToStoragePrecision)
    }

    public var now: Date { instant.withLock { $0 } }

    /// Moves the clock forward (or back, with a negative interval).
    public func advance(by seconds: TimeInterval) {
        let micros = Int64(saturating: (seconds * 1_000_000).rounded())
        instant.withLock { $0 = Date(microsecondsSince1970: $0.microsecondsSince1970.addingSaturating(micros)) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        instant.withLock { $0 = date.roundedToStoragePrecision }
    }
}

extension Date {
    /// Microseconds since 1970-01-01T00:00:00Z, rounded to the nearest microsecond:
    /// the unit every adapter stores instants in.
    ///
    /// Never traps: beyond `Int64` it saturates, and NaN gives `Int64.min`. Stores do not rely on that: they check
    /// every instant a caller gives them first (``FieldValidation/instant(_:_:)->_``), so such a value is refused, never
    /// stored.
    public var microsecondsSince1970: Int64 {
        Int64(saturating: (timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The instant `microseconds` after 1970-01-01T00:00:00Z.
    public init(microsecondsSince1970 microseconds: Int64) {
        // Split to keep full precision for far-future instants, whose Double seconds lose microseconds.
        let seconds = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        self.init(timeIntervalSince1970: TimeInterval(seconds.quotient) + TimeInterval(seconds.remainder) / 1_000_000)
    }

    /// The instant a store kept as `microseconds` since 1970, refusing a value no store writes (outside
    /// ``IdentityStorageLimits/storedInstantMicroseconds``) as ``IdentityStorageError/Code-swift.struct/corruptedData``.
    public init(storedMicroseconds microseconds: Int64, what: @autoclosure () -> String) throws(IdentityStorageError) {
        guard IdentityStorageLimits.storedInstantMicroseconds.contains(microseconds) else {
            throw .corruptedData("\(what()) (\(microseconds) µs since 1970) is outside the instants a store writes, "
                                 + IdentityStorageLimits.storedInstantRangeText)
        }
        self.init(microsecondsSince1970: microseconds)
    }

    /// This instant at storage precision (whole microseconds): what a store gives back.
    public var roundedToStoragePrecision: Date {
        Date(microsecondsSince1970: microsecondsSince1970)
    }
}

extension Duration {
    /// This duration in seconds, for the C libraries and stores that count in them.
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// This duration in whole nanoseconds (saturating), for timers.
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}

extension Int64 {
    /// `value` (a whole number) as an `Int64`, saturating past either end; NaN gives `.min`. `Int64(_:)` traps on all of
    /// these, and a caller's instant or interval must never take the process down.
    package init(saturating value: Double) {
        if value.isNaN || value < -9_223_372_036_854_775_808.0 {
            self = .min
        } else if value >= 9_223_372_036_854_775_808.0 {
            self = .max
        } else {
            self.init(value)
        }
    }

    /// `self + other`, saturating at either end instead of trapping.
    package func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : sum
    }
}
