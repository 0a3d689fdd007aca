import IdentityStorage
import Synchronization

/// The in-memory adapter's configuration change counter: every configuration write bumps it, and a
/// `ConfigurationCache` over the data set polls it (a read of an atomic, so polling costs nothing).
public final class MemoryConfigurationChanges: Sendable {
    private let version = Atomic<UInt64>(0)

    /// A counter at zero.
    public init() {}

    /// Counts one configuration write.
    func record() {
        version.add(1, ordering: .releasing)
    }

    /// Writes counted so far.
    var current: UInt64 { version.load(ordering: .acquiring) }
}

extension MemoryIdentityStorage: ConfigurationChangeSource {
    public func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        let changes = configurationChanges
        return ConfigurationChangePolling.changes(every: interval) { changes.current }
    }
}
