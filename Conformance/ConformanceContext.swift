import Foundation
import IdentityStorage

/// What a case gets: the stores, a unique namespace for its keys, and control over time.
public struct ConformanceContext: Sendable {
    /// The backend's stores.
    public let stores: IdentityStores
    /// The clock the stores were given. Only meaningful when the backend declares `StoreCapabilities.injectableClock`.
    public let clock: ManualWallClock
    /// A prefix unique to this run of this case; every key a case writes starts with it.
    public let namespace: String
    private let corrupter: (any StoredDataCorrupting)?

    init(stores: IdentityStores, clock: ManualWallClock, namespace: String, corrupter: (any StoredDataCorrupting)?) {
        self.stores = stores
        self.clock = clock
        self.namespace = namespace
        self.corrupter = corrupter
    }

    /// Damages stored data through the harness's corrupter (see ``ConformanceHarness/corrupter(for:)``).
    public func corrupt(_ corruption: StoredDataCorruption) async throws {
        guard let corrupter else {
            throw IdentityStorageError(.unsupported, "this harness cannot damage stored data (declare damagesStoredData on the case)")
        }
        try await corrupter.corrupt(corruption)
    }

    /// A key, id or name unique to this case: the namespace followed by `name`.
    public func key(_ name: String) -> String { namespace + name }

    /// Whether expiry follows the injected clock (true) or real time (false).
    public var hasInjectableClock: Bool { stores.capabilities.contains(.injectableClock) }

    /// "Now" as the stores see it: the injected clock, or real time.
    public var now: Date { hasInjectableClock ? clock.now : Date().roundedToStoragePrecision }

    /// Lets `seconds` pass for the stores: moves the injected clock, or really waits (so keep
    /// intervals in cases short: the whole suite must stay under a minute on any backend).
    public func advance(by seconds: TimeInterval) async throws {
        if hasInjectableClock {
            clock.advance(by: seconds)
        } else {
            try await Task.sleep(for: .milliseconds(Int((seconds * 1000).rounded(.up))))
        }
    }

    /// Moves the injected clock to a private stretch of time (a random minute in 1995) so that
    /// housekeeping cases on a shared database see only the expired rows they wrote.
    /// Rows of other cases expire around the present, which this clock has not reached.
    /// On backends without an injectable clock this does nothing.
    public func useIsolatedEpoch() {
        guard hasInjectableClock else { return }
        let minute = Int64.random(in: 0..<(365 * 24 * 60))
        clock.set(Date(microsecondsSince1970: (788_918_400 + minute * 60) * 1_000_000))
    }
}
