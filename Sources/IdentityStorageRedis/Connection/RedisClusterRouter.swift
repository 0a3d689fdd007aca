import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import Logging
import Synchronization

/// The slot map of a Redis Cluster and a connection pool per node.
package final class RedisClusterRouter: Sendable {
    private struct State {
        /// Node index (into `nodes`) serving each slot; -1 while unknown.
        var slots = [Int32](repeating: -1, count: RedisSlot.count)
        var nodes: [RedisEndpoint] = []
        var pools: [RedisEndpoint: RedisPool] = [:]
        /// Set when the map may be wrong (MOVED, broken connection, CLUSTERDOWN).
        var stale = false
        var lastRefresh: ContinuousClock.Instant?
        var refreshing: Task<Void, any Error>?
        var closed = false
        /// Redirections since the last refresh: the first of a burst is logged, the burst's size at the refresh.
        var redirects = (moved: 0, asked: 0)

        /// The index of `endpoint` in ``nodes``, added at the end when new.
        mutating func index(of endpoint: RedisEndpoint) -> Int {
            if let existing = nodes.firstIndex(of: endpoint) { return existing }
            nodes.append(endpoint)
            return nodes.count - 1
        }
    }

    private let state = Mutex(State())
    private let seeds: [RedisEndpoint]
    private let settings: RedisConnectionSettings
    private let poolConfiguration: RedisPool.Configuration
    /// A stale map is re-read at most this often, so a dead node does not cause a refresh per call.
    private static let refreshInterval = Duration.milliseconds(100)
    private var logger: Logger { poolConfiguration.telemetry.logger }

    init(seeds: [RedisEndpoint], settings: RedisConnectionSettings, poolConfiguration: RedisPool.Configuration) {
        self.seeds = seeds
        self.settings = settings
        self.poolConfiguration = poolConfiguration
    }

    /// The pool of `endpoint`, created on first use (never after ``shutdown()``).
    func pool(for endpoint: RedisEndpoint) throws(IdentityStorageError) -> RedisPool {
        try state.withLock { state throws(IdentityStorageError) in
            if let pool = state.pools[endpoint] { return pool }
            if state.closed { throw IdentityStorageError(.unavailable, "the Redis storage has been closed") }
            var configuration = poolConfiguration
            configuration.threadName = "redis-\(endpoint)"
            configuration.telemetry.pool = "\(endpoint)"
            // Consecutive calls go to different nodes, whose threads have parked meanwhile: a caller polling for its
            // answer would take a core from the node's thread being woken (measured: slower, and a longer tail).
            configuration.spinBeforeSuspending = .zero
            let settings = self.settings
            let pool = RedisPool(configuration: configuration) { try RedisConnection(endpoint: endpoint, settings: settings) }
            state.pools[endpoint] = pool
            return pool
        }
    }

    var allPools: [RedisPool] { state.withLock { Array($0.pools.values) } }

    /// The master serving `slot`, re-reading a stale map first (at most every 100 ms).
    func endpoint(forSlot slot: Int) async throws -> RedisEndpoint {
        let (endpoint, refresh) = state.withLock { state -> (RedisEndpoint?, Bool) in
            let index = state.slots[slot]
            let known = index >= 0 ? state.nodes[Int(index)] : nil
            let due = state.stale && (state.lastRefresh.map { ContinuousClock.now - $0 > Self.refreshInterval } ?? true)
            return (known, due || known == nil)
        }
        if refresh {
            do {
                try await self.refresh()
            } catch where endpoint != nil {
                // Keep routing by the old map; the call itself reports whether the node answers.
            }
        }
        let current = state.withLock { state -> RedisEndpoint? in
            let index = state.slots[slot]
            return index >= 0 ? state.nodes[Int(index)] : nil
        }
        guard let current else {
            throw IdentityStorageError(.unavailable, "no Redis Cluster master serves slot \(slot) (the cluster is down or being reconfigured)")
        }
        return current
    }

    /// The current slot map: the master of each slot (nil while unknown), for code that routes by itself.
    package func slotMap() -> [RedisEndpoint?] {
        state.withLock { state in state.slots.map { $0 >= 0 ? state.nodes[Int($0)] : nil } }
    }

    /// Records a `MOVED` answer and asks for a full refresh.
    func moved(slot: Int, to endpoint: RedisEndpoint) {
        let first = state.withLock { state in
            state.redirects.moved += 1
            return state.redirects.moved == 1
        }
        if first {
            logger.info("cluster slot moved; refreshing the slot map",
                        metadata: ["backend": "redis", "slot": .stringConvertible(slot), "node": .stringConvertible(endpoint)])
        }
        state.withLock { state in
            state.slots[slot] = Int32(state.index(of: endpoint))
            state.stale = true
        }
    }

    /// Records an `ASK` answer: the slot is migrating; the map stays as it is.
    func asked(slot: Int, to endpoint: RedisEndpoint) {
        let first = state.withLock { state in
            state.redirects.asked += 1
            return state.redirects.asked == 1
        }
        if first {
            logger.info("cluster slot migrating (ASK)", metadata: ["backend": "redis", "slot": .stringConvertible(slot), "node": .stringConvertible(endpoint)])
        }
    }

    /// A node did not answer or the cluster reported itself down: re-read the map before the next call.
    func connectionFailed() {
        state.withLock { $0.stale = true }
    }

    /// Reads `CLUSTER SLOTS` from the first node that answers (known masters, then the configured seeds).
    func refresh() async throws {
        let task = state.withLock { state -> Task<Void, any Error> in
            if let running = state.refreshing { return running }
            let task = Task { try await self.readSlotMap() }
            state.refreshing = task
            return task
        }
        try await task.value
    }

    private func readSlotMap() async throws {
        defer { state.withLock { $0.refreshing = nil } }
        var candidates: [RedisEndpoint] = []
        let known = state.withLock { state in
            Set(state.slots.filter { $0 >= 0 }).sorted().map { state.nodes[Int($0)] } + state.nodes
        }
        for endpoint in known + seeds where !candidates.contains(endpoint) { candidates.append(endpoint) }
        var failures: [String] = []
        for endpoint in candidates {
            do {
                let reply = try await pool(for: endpoint).withConnection { connection in
                    try connection.execute([Array("CLUSTER".utf8), Array("SLOTS".utf8)])
                }
                let ranges = try Self.parse(reply, queried: endpoint)
                if ranges.isEmpty {
                    failures.append("\(endpoint): no slots assigned")
                    continue
                }
                install(ranges)
                return
            } catch let error as IdentityStorageError {
                failures.append("\(endpoint): \(error.message)")
            }
        }
        state.withLock { $0.lastRefresh = .now }
        let error = IdentityStorageError(.unavailable, "no Redis Cluster node answered CLUSTER SLOTS (\(failures.joined(separator: "; ")))")
        logger.notice("cluster slot map could not be read", metadata: ["backend": "redis", "error": .string(error.message)])
        throw error
    }

    private func install(_ ranges: [(ClosedRange<Int>, RedisEndpoint)]) {
        let (changed, hadMap, redirects) = state.withLock { state in
            var slots = [Int32](repeating: -1, count: RedisSlot.count)
            for (range, endpoint) in ranges {
                let index = state.index(of: endpoint)
                for slot in range where slot >= 0 && slot < RedisSlot.count { slots[slot] = Int32(index) }
            }
            let before = state.slots.map { $0 >= 0 ? state.nodes[Int($0)] : nil }
            let changed = slots.indices.filter { slots[$0] >= 0 && before[$0] != state.nodes[Int(slots[$0])] }.count
            let hadMap = before.contains { $0 != nil }
            let redirects = state.redirects
            state.slots = slots
            state.stale = false
            state.lastRefresh = .now
            state.redirects = (0, 0)
            return (changed, hadMap, redirects)
        }
        let masters = Set(ranges.map(\.1)).map(\.description).sorted().joined(separator: ",")
        var metadata: Logger.Metadata = ["backend": "redis", "masters": .string(masters)]
        if redirects.moved + redirects.asked > 0 {
            metadata["moved"] = .stringConvertible(redirects.moved)
            metadata["asked"] = .stringConvertible(redirects.asked)
        }
        if changed > 0 && hadMap {
            // A failover or a resharding: some slots have a new master.
            metadata["slots_changed"] = .stringConvertible(changed)
            logger.notice("cluster slot map changed", metadata: metadata)
        } else {
            logger.debug("cluster slot map read", metadata: metadata)
        }
    }

    /// `CLUSTER SLOTS`: `[[start, end, [host, port, id…], replicas…], …]`; an empty host means the node asked.
    static func parse(_ reply: RedisReply, queried: RedisEndpoint) throws(IdentityStorageError) -> [(ClosedRange<Int>, RedisEndpoint)] {
        if case .error(let message) = reply {
            throw IdentityStorageError(.unavailable, "\(queried) is not a cluster node or refused CLUSTER SLOTS", backendDetail: RedisErrors.detail(message))
        }
        var ranges: [(ClosedRange<Int>, RedisEndpoint)] = []
        for entry in try reply.items() {
            let fields = try entry.items()
            guard fields.count >= 3 else { continue }
            let start = Int(try fields[0].integerValue()), end = Int(try fields[1].integerValue())
            let master = try fields[2].items()
            guard master.count >= 2, start <= end else { continue }
            var host = String(decoding: try master[0].optionalBytes() ?? [], as: UTF8.self)
            if host.isEmpty || host == "?" { host = queried.host }
            ranges.append((start...end, RedisEndpoint(host: host, port: Int(try master[1].integerValue()))))
        }
        return ranges
    }

    func shutdown() async {
        let pools = state.withLock { state -> [RedisPool] in
            state.closed = true
            return Array(state.pools.values)
        }
        for pool in pools { await pool.shutdown() }
    }
}
