import Foundation
import Logging
import Metrics
import Synchronization

/// What a ``ConfigurationCache`` holds an answer for: one read of a configuration store with its arguments,
/// compared byte for byte as every backend compares keys (Swift's `==` would make NFC and NFD spellings one key).
enum ConfigurationCacheKey: Hashable, Sendable {
    case client(ExactString)
    case origin(ExactString)
    case identityResources([ExactString])
    case apiScopes([ExactString])
    case apiResourcesByScope([ExactString])
    case apiResources([ExactString])
    case allResources
    case identityProvider(ExactString)
    case schemeNames


    /// What the key itself costs in memory, roughly.
    var bytes: Int {
        switch self {
        case .client(let text), .origin(let text), .identityProvider(let text): 16 + text.value.utf8.count
        case .identityResources(let names), .apiScopes(let names), .apiResourcesByScope(let names), .apiResources(let names):
            names.reduce(16) { $0 + 16 + $1.value.utf8.count }
        case .allResources, .schemeNames: 16
        }
    }
}

/// The cache's entries and the channel's state, behind one lock.
///
/// A miss remembers the generation it started under and stores its answer only if no invalidation came in
/// between: an answer read before a write committed is never stored after that write's invalidation.
final class ConfigurationCacheEntries: Sendable {
    private struct Entry {
        let value: any Sendable
        let bytes: Int
        var lastUsed: UInt64
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [ConfigurationCacheKey: Entry] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        var generation: UInt64 = 0
        var synchronizedAt: ContinuousClock.Instant?
        /// The channel reported an outage and has not synchronised since.
        var interrupted = false
        /// Reads went through because synchronisation was late; logged once until it is back.
        var readingThrough = false
        var stopped = false
    }

    /// What a lookup found.
    enum Lookup: Sendable {
        case hit(any Sendable)
        /// Not held: read the backend, then ``store(_:_:generation:)`` under this generation.
        case miss(generation: UInt64)
        /// The channel has not synchronised recently enough: read the backend and keep nothing.
        case readThrough
    }

    let configuration: ConfigurationCache.Configuration
    private let logger: Logger
    private let state = Mutex(State())
    private let counters: ConfigurationCacheCounters?

    init(configuration: ConfigurationCache.Configuration, observability: StoreObservability) {
        self.configuration = configuration
        logger = observability.logger
        counters = observability.activeMetricsFactory.map(ConfigurationCacheCounters.init)
    }

    func isServing(at now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in state.synchronizedAt.map { now - $0 <= configuration.maximumStaleness } ?? false }
    }

    func lookup(_ key: ConfigurationCacheKey) -> Lookup {
        let now = ContinuousClock.now
        let (lookup, logReadThrough): (Lookup, Bool) = state.withLock { state in
            guard let synchronized = state.synchronizedAt, now - synchronized <= configuration.maximumStaleness, !state.stopped else {
                defer { state.readingThrough = true }
                // Before the first synchronisation (just opened) reading through is expected, not worth a warning.
                return (.readThrough, !state.readingThrough && !state.interrupted && !state.stopped && state.synchronizedAt != nil)
            }
            guard let index = state.entries.index(forKey: key) else { return (.miss(generation: state.generation), false) }
            if state.entries.values[index].expires <= now {
                state.bytes -= state.entries.values[index].bytes
                state.entries.remove(at: index)
                return (.miss(generation: state.generation), false)
            }
            state.tick &+= 1
            state.entries.values[index].lastUsed = state.tick
            return (.hit(state.entries.values[index].value), false)
        }
        if let counters {
            switch lookup {
            case .hit: counters.hits.increment()
            case .miss: counters.misses.increment()
            case .readThrough: counters.readsThrough.increment()
            }
        }
        if logReadThrough {
            logger.warning("configuration cache: the change channel has not synchronised within the maximum staleness; reading through to the backend until it does",
                           metadata: ["maximum_staleness": "\(configuration.maximumStaleness)"])
        }
        return lookup
    }

    /// Keeps `value` for `key` unless an invalidation came after `generation`, or it is too large to keep.
    func store(_ key: ConfigurationCacheKey, _ value: some Sendable & Encodable, generation: UInt64) {
        let bytes = key.bytes + ((try? JSONEncoder().encode(value).count) ?? configuration.maximumBytes)
        guard bytes <= configuration.maximumBytes else { return }
        let expires = ContinuousClock.now + configuration.timeToLive
        let evicted: Int = state.withLock { state in
            guard state.generation == generation, !state.stopped else { return 0 }
            state.tick &+= 1
            if let previous = state.entries.updateValue(Entry(value: value, bytes: bytes, lastUsed: state.tick, expires: expires), forKey: key) {
                state.bytes -= previous.bytes
            }
            state.bytes += bytes
            return Self.evictIfFull(&state, configuration)
        }
        if evicted > 0 { counters?.evictions.increment(by: Int64(evicted)) }
    }

    /// Over either bound, removes the least recently used entries down to 90 % of both: one sort now and then
    /// instead of list upkeep on every hit.
    private static func evictIfFull(_ state: inout State, _ configuration: ConfigurationCache.Configuration) -> Int {
        guard state.entries.count > configuration.maximumEntries || state.bytes > configuration.maximumBytes else { return 0 }
        let entryTarget = configuration.maximumEntries - configuration.maximumEntries / 10
        let byteTarget = configuration.maximumBytes - configuration.maximumBytes / 10
        var evicted = 0
        for (key, entry) in state.entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            guard state.entries.count > entryTarget || state.bytes > byteTarget else { break }
            state.entries.removeValue(forKey: key)
            state.bytes -= entry.bytes
            evicted += 1
        }
        return evicted
    }

    func invalidateAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.bytes = 0
            state.generation &+= 1
        }
        counters?.invalidations.increment()
    }

    func apply(_ event: ConfigurationChangeEvent) {
        switch event {
        case .changed:
            invalidateAll()
        case .synchronized(let instant):
            let wasDown = state.withLock { state in
                defer {
                    state.interrupted = false
                    state.readingThrough = false
                }
                if state.synchronizedAt.map({ $0 < instant }) ?? true { state.synchronizedAt = instant }
                return state.interrupted || state.readingThrough
            }
            if wasDown { logger.notice("configuration cache: the change channel is synchronised again; serving from memory") }
        case .interrupted(let error):
            let first = state.withLock { state in
                defer { state.interrupted = true }
                return !state.interrupted
            }
            if first {
                logger.warning("configuration cache: the change channel is down; reading through to the backend once the last synchronisation is older than the maximum staleness",
                               metadata: ["error": "\(error)", "maximum_staleness": "\(configuration.maximumStaleness)"])
            }
        }
    }

    /// After close: nothing is served from memory or stored any more.
    func stop() {
        state.withLock { state in
            state.stopped = true
            state.entries.removeAll()
            state.bytes = 0
        }
    }
}

/// The cache's counters: `identitystorage_configuration_cache_lookups` by `result` (`hit`, `miss`,
/// `read_through`), `…_invalidations` and `…_evictions`.
struct ConfigurationCacheCounters: Sendable {
    let hits, misses, readsThrough, invalidations, evictions: Counter

    init(factory: any MetricsFactory) {
        let lookups = "identitystorage_configuration_cache_lookups"
        hits = Counter(label: lookups, dimensions: [("result", "hit")], factory: factory)
        misses = Counter(label: lookups, dimensions: [("result", "miss")], factory: factory)
        readsThrough = Counter(label: lookups, dimensions: [("result", "read_through")], factory: factory)
        invalidations = Counter(label: "identitystorage_configuration_cache_invalidations", factory: factory)
        evictions = Counter(label: "identitystorage_configuration_cache_evictions", factory: factory)
    }
}
