import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import Logging
import Synchronization

/// The nodes of a Redis Cluster seen so far, numbered in the order first seen: a node's number is its lane in the
/// cluster's pool (``BlockingConnectionPool/withConnection(lane:interruptible:_:)``).
final class RedisClusterNodes: Sendable {
    private let endpoints = Mutex<[RedisEndpoint]>([])

    /// The lane of `endpoint`, numbered now when new.
    func lane(of endpoint: RedisEndpoint) -> Int {
        endpoints.withLock { endpoints in
            if let existing = endpoints.firstIndex(of: endpoint) { return existing }
            endpoints.append(endpoint)
            return endpoints.count - 1
        }
    }

    /// Every node by lane.
    var all: [RedisEndpoint] { endpoints.withLock { $0 } }

    func endpoint(ofLane lane: Int) -> RedisEndpoint? {
        endpoints.withLock { lane < $0.count ? $0[lane] : nil }
    }
}

/// The slot map of a Redis Cluster, and one connection pool whose threads reach every node.
///
/// One pool, not one per node: a thread that has just answered a call is awake for the next, whichever master it
/// goes to, and a caller alone with the pool may wait for its answer without suspending (see
/// ``BlockingConnectionPool``). Each node is a lane of that pool, holding at most `pool_size` threads at once, and
/// the pool has `pool_size` threads per master: a master that hangs holds its own share, never the others'.
package final class RedisClusterRouter: Sendable {
    private struct State {
        /// Lane (node) serving each slot; -1 while unknown.
        var slots = [Int32](repeating: -1, count: RedisSlot.count)
        /// Set when the map may be wrong (MOVED, broken connection, CLUSTERDOWN).
        var stale = false
        var lastRefresh: ContinuousClock.Instant?
        var refreshing: Task<Void, any Error>?
        /// Redirections since the last refresh: the first of a burst is logged, the burst's size at the refresh.
        var redirects = (moved: 0, asked: 0)
    }

    private let state = Mutex(State())
    private let seeds: [RedisEndpoint]
    private let nodes = RedisClusterNodes()
    private let poolSizePerNode: Int
    /// Every call to every node runs here, on the lane of its node.
    let pool: RedisPool
    /// A stale map is re-read at most this often, so a dead node does not cause a refresh per call.
    private static let refreshInterval = Duration.milliseconds(100)
    private var logger: Logger { pool.configuration.telemetry.logger }

    init(seeds: [RedisEndpoint], settings: RedisConnectionSettings, poolConfiguration: RedisPool.Configuration) {
        self.seeds = seeds
        self.poolSizePerNode = poolConfiguration.size
        var configuration = poolConfiguration
        configuration.threadName = "redis-cluster"
        configuration.telemetry.pool = "cluster"
        configuration.maximumPerLane = poolConfiguration.size
        let nodes = self.nodes
        // Grows to `pool_size` per master once the slot map is read.
        self.pool = RedisPool(configuration: configuration) { lane in
            guard let endpoint = nodes.endpoint(ofLane: lane) else {
                throw IdentityStorageError(.unavailable, "no Redis Cluster node is known as lane \(lane)")
            }
            return try RedisConnection(endpoint: endpoint, settings: settings)
        }
    }

    /// The lane of `endpoint` in ``pool`` (a redirection's target, a master of the slot map).
    func lane(of endpoint: RedisEndpoint) -> Int {
        nodes.lane(of: endpoint)
    }

    /// The lane of the master serving `slot`, re-reading a stale map first (at most every 100 ms).
    func lane(forSlot slot: Int) async throws -> Int {
        let (known, refresh) = state.withLock { state -> (Int?, Bool) in
            let lane = state.slots[slot]
            let due = state.stale && (state.lastRefresh.map { ContinuousClock.now - $0 > Self.refreshInterval } ?? true)
            return (lane >= 0 ? Int(lane) : nil, due || lane < 0)
        }
        guard refresh else { return known! }
        do {
            try await self.refresh()
        } catch where known != nil {
            // Keep routing by the old map; the call itself reports whether the node answers.
        }
        let current = state.withLock { state -> Int? in state.slots[slot] >= 0 ? Int(state.slots[slot]) : nil }
        guard let current else {
            throw IdentityStorageError(.unavailable, "no Redis Cluster master serves slot \(slot) (the cluster is down or being reconfigured)")
        }
        return current
    }

    /// The current slot map: the master of each slot (nil while unknown), for code that routes by itself.
    package func slotMap() -> [RedisEndpoint?] {
        let nodes = self.nodes.all
        return state.withLock { state in state.slots.map { $0 >= 0 ? nodes[Int($0)] : nil } }
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
        let lane = Int32(nodes.lane(of: endpoint))
        state.withLock { state in
            state.slots[slot] = lane
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
        let nodes = self.nodes.all
        let masters = state.withLock { state in Set(state.slots.filter { $0 >= 0 }).sorted().map { nodes[Int($0)] } }
        for endpoint in masters + nodes + seeds where !candidates.contains(endpoint) { candidates.append(endpoint) }
        var failures: [String] = []
        for endpoint in candidates {
            do {
                let reply = try await pool.withConnection(lane: lane(of: endpoint)) { connection in
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
        var slots = [Int32](repeating: -1, count: RedisSlot.count)
        for (range, endpoint) in ranges {
            let lane = Int32(nodes.lane(of: endpoint))
            for slot in range where slot >= 0 && slot < RedisSlot.count { slots[slot] = lane }
        }
        pool.grow(to: poolSizePerNode * Set(ranges.map(\.1)).count)
        let (changed, hadMap, redirects) = state.withLock { state in
            // Lanes name nodes for good, so a slot changed master exactly when its lane changed.
            let changed = slots.indices.filter { slots[$0] >= 0 && state.slots[$0] != slots[$0] }.count
            let hadMap = state.slots.contains { $0 >= 0 }
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
        await pool.shutdown()
    }
}
