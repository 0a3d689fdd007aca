import Foundation
import Logging
import Metrics
import Synchronization

/// Configuration (clients with their CORS origins, resources, identity providers) read from process memory,
/// emptied by every instance's writes through the backend's own change channel.
///
/// Open a deployment with ``StoreOpenOptions/configurationCache`` set (or `idstore --cache-configuration`) and
/// its configuration stores read through one of these. Reads are answered from memory, misses (an unknown
/// client id too) are stored after one read of the backend, and any configuration write, on this instance or
/// any other, empties the cache of every instance.
///
/// The promise, with `S` = ``Configuration/maximumStaleness`` (default 500 ms):
/// - a read on the instance that wrote sees the write as soon as the write returns (read-your-writes);
/// - a read on any other instance sees every write committed more than `S` before the read began, whatever the
///   state of the channel: the cache serves from memory only while the channel has proved, less than `S` ago,
///   that it had reported every change (a heartbeat answered on PostgreSQL and Redis, a poll of the change
///   counter on MariaDB, SQLite and in memory, a look at the document for `file:`). Otherwise it reads through
///   to the backend, and says so in the log once per outage;
/// - while the channel is up, a write usually reaches the other instances within milliseconds on PostgreSQL and
///   Redis (a notification), and within one polling interval (`S / 2`) elsewhere.
///
/// Memory is bounded by ``Configuration/maximumEntries`` and ``Configuration/maximumBytes`` (an entry's size is
/// its JSON encoding), evicting the least recently used entries; ``Configuration/timeToLive`` bounds an entry's
/// life as a last resort. Any write empties the whole cache: configuration writes are rare, and whole-cache
/// invalidation cannot miss a dependent entry (a removed origin, a resource found by one of its scopes).
public final class ConfigurationCache: Sendable {
    /// How a cache bounds staleness and memory.
    public struct Configuration: Sendable, Hashable {
        /// How old the channel's last proof of being up may be for the cache to serve from memory; the bound on
        /// how stale a read on another instance can be. The channel reports at least twice within it (a poll or
        /// heartbeat every `maximumStaleness / 2`). At least 20 ms. Default: 500 ms.
        public var maximumStaleness: Duration = .milliseconds(500)
        /// The most entries held (a client, an origin's answer, one resource query). Default: 10,000.
        public var maximumEntries: Int = 10_000
        /// The most bytes held, counting each entry as its JSON encoding. Default: 64 MiB.
        public var maximumBytes: Int = 64 << 20
        /// How long an entry lives at most, should every invalidation fail to arrive. Default: 5 minutes.
        public var timeToLive: Duration = .seconds(300)

        /// The default bounds, as each property states.
        public init() {}

        /// The interval the change channel reports at: half of ``maximumStaleness``.
        public var synchronizationInterval: Duration { maximumStaleness / 2 }

        func validate() throws(IdentityStorageError) {
            guard maximumStaleness >= .milliseconds(20) else {
                throw .invalidArgument("the configuration cache's maximum staleness must be at least 20 ms (got \(maximumStaleness))")
            }
            guard maximumEntries >= 1, maximumBytes >= 1 else {
                throw .invalidArgument("the configuration cache needs room for at least one entry and one byte")
            }
            guard timeToLive > .zero else { throw .invalidArgument("the configuration cache's time-to-live must be positive") }
        }
    }

    let entries: ConfigurationCacheEntries
    private let watch: Task<Void, Never>

    /// A cache fed by `source`'s channel, which it starts listening to at once. Nothing is served from memory
    /// before the channel's first synchronisation.
    public init(source: any ConfigurationChangeSource, configuration: Configuration = Configuration(),
                observability: StoreObservability = StoreObservability()) throws(IdentityStorageError) {
        try configuration.validate()
        let entries = ConfigurationCacheEntries(configuration: configuration, observability: observability)
        let events = source.configurationChanges(every: configuration.synchronizationInterval)
        self.entries = entries
        watch = Task {
            for await event in events { entries.apply(event) }
        }
    }

    deinit { watch.cancel() }

    /// Stops listening to the channel (its connection or polling ends); reads then go through to the backend.
    public func close() async {
        watch.cancel()
        await watch.value
        entries.stop()
    }

    /// The bounds this cache keeps.
    public var configuration: Configuration { entries.configuration }

    /// Whether reads are served from memory now: the channel synchronised less than the maximum staleness ago.
    public var isServingFromMemory: Bool { entries.isServing(at: .now) }

    /// Empties the cache; what a configuration write through it does once the backend has it.
    public func invalidateAll() { entries.invalidateAll() }
}
