import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import Synchronization

package typealias RedisPool = BlockingConnectionPool<RedisConnection>

/// What a redirecting reply asks for.
enum RedisRedirect: Error, Sendable {
    /// The slot lives on another node for good (`MOVED`): update the slot map and retry there.
    case moved(slot: Int, to: RedisEndpoint)
    /// The slot is migrating (`ASK`): retry this one command there, preceded by `ASKING`.
    case ask(slot: Int, to: RedisEndpoint)
    /// The slot is being resharded or its keys are split (`TRYAGAIN`): retry shortly.
    case tryAgain

    init?(_ reply: RedisReply) {
        guard case .error(let message) = reply else { return nil }
        let parts = message.split(separator: " ")
        switch parts.first {
        case "MOVED", "ASK":
            guard parts.count >= 3, let slot = Int(parts[1]), let endpoint = RedisEndpoint(parsing: parts[2]) else { return nil }
            self = parts[0] == "MOVED" ? .moved(slot: slot, to: endpoint) : .ask(slot: slot, to: endpoint)
        case "TRYAGAIN":
            self = .tryAgain
        default:
            return nil
        }
    }
}

/// A connection lent to a multi-command job (session paging): every reply is checked, and a redirect
/// ends the job so the client can retry it on the right node.
struct RedisSession {
    let connection: RedisConnection

    func run(_ command: RedisCommand, _ context: @autoclosure () -> String) throws -> RedisReply {
        let reply = try connection.execute(command)
        if let redirect = RedisRedirect(reply) { throw redirect }
        if case .error(let message) = reply { throw RedisErrors.map(message, context: context()) }
        return reply
    }
}

/// Sends commands to a standalone server or to the right node of a Redis Cluster.
///
/// Standalone: one ``BlockingConnectionPool`` of hiredis connections. Cluster: one pool per master,
/// a slot map read with `CLUSTER SLOTS`, `MOVED` (update the map, retry) and `ASK` (`ASKING`, retry once)
/// redirections, and a fresh slot map after `MOVED`, after a broken connection and on `CLUSTERDOWN`.
/// A command whose connection breaks is not retried (it may have run): the caller gets `unavailable`.
package final class RedisClient: Sendable {
    package enum Topology: Sendable {
        case standalone(RedisPool)
        case cluster(RedisClusterRouter)
    }

    package let topology: Topology
    private static let maxAttempts = 6

    private init(topology: Topology) {
        self.topology = topology
    }

    /// Connects (standalone: one connection now; cluster: reads the slot map), so bad addresses and
    /// credentials fail here.
    static func connect(endpoints: [RedisEndpoint], cluster: Bool, settings: RedisConnectionSettings,
                        pool: RedisPool.Configuration) async throws -> RedisClient {
        if cluster {
            let router = RedisClusterRouter(seeds: endpoints, settings: settings, poolConfiguration: pool)
            do {
                try await router.refresh()
            } catch {
                await router.shutdown()
                throw error
            }
            return RedisClient(topology: .cluster(router))
        }
        let endpoint = endpoints[0]
        var configuration = pool
        configuration.threadName = "redis-\(endpoint)"
        let connectionPool = RedisPool(configuration: configuration) {
            try RedisConnection(endpoint: endpoint, settings: settings)
        }
        do {
            try await connectionPool.warmUp()
        } catch {
            await connectionPool.shutdown()
            throw error
        }
        return RedisClient(topology: .standalone(connectionPool))
    }

    var isCluster: Bool {
        if case .cluster = topology { return true }
        return false
    }

    /// Single commands of concurrent callers queued together on one node go out as one pipeline: one round
    /// trip and one thread wake-up for all of them (each caller still gets its own reply, in order).
    static let pipelined = ConnectionBatch<RedisConnection, RedisCommand, RedisReply>(maximum: 64) { connection, commands in
        commands.count == 1 ? [try connection.execute(commands[0])] : try connection.pipeline(commands)
    }

    /// Runs one command and returns its reply; an error reply becomes an ``IdentityStorageError``.
    package func run(_ command: RedisCommand, _ context: @autoclosure () -> String) async throws -> RedisReply {
        let reply = try await runRaw(command)
        if case .error(let message) = reply { throw RedisErrors.map(message, context: context()) }
        return reply
    }

    /// Runs commands in as few round trips as possible (one pipeline per node), returning replies in order.
    package func runAll(_ commands: [RedisCommand], _ context: @autoclosure () -> String) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        var replies: [RedisReply]
        switch topology {
        case .standalone(let pool):
            replies = try await pool.withConnection { connection in try connection.pipeline(commands) }
        case .cluster(let router):
            var groups: [RedisEndpoint: [Int]] = [:]
            for (index, command) in commands.enumerated() {
                groups[try await router.endpoint(forSlot: command.slot ?? 0), default: []].append(index)
            }
            replies = [RedisReply](repeating: .null, count: commands.count)
            let results = try await withThrowingTaskGroup(of: [(Int, RedisReply)].self) { group in
                for (endpoint, indices) in groups {
                    let batch = indices.map { commands[$0] }
                    let pool = try router.pool(for: endpoint)
                    group.addTask {
                        do {
                            let answers = try await pool.withConnection { connection in try connection.pipeline(batch) }
                            return Array(zip(indices, answers))
                        } catch {
                            router.connectionFailed()
                            throw error
                        }
                    }
                }
                var all: [(Int, RedisReply)] = []
                for try await part in group { all += part }
                return all
            }
            for (index, reply) in results { replies[index] = reply }
            // Redirected commands did not run: send each again on its own, where it belongs now.
            for index in replies.indices where RedisRedirect(replies[index]) != nil {
                replies[index] = try await runRaw(commands[index])
            }
        }
        for reply in replies {
            if case .error(let message) = reply { throw RedisErrors.map(message, context: context()) }
        }
        return replies
    }

    /// Runs `body` with one connection to the node serving `slot` (several commands, one job).
    /// The body must be safe to repeat: after a redirect it runs again on the right node.
    func withSession<T: Sendable>(slot: Int, _ body: @escaping @Sendable (RedisSession) throws -> T) async throws -> T {
        switch topology {
        case .standalone(let pool):
            return try await pool.withConnection { connection in try body(RedisSession(connection: connection)) }
        case .cluster(let router):
            for attempt in 0..<Self.maxAttempts {
                let pool = try router.pool(for: try await router.endpoint(forSlot: slot))
                do {
                    return try await pool.withConnection { connection in try body(RedisSession(connection: connection)) }
                } catch let redirect as RedisRedirect {
                    switch redirect {
                    case .moved(let movedSlot, let endpoint): router.moved(slot: movedSlot, to: endpoint)
                    case .ask, .tryAgain: try await Task.sleep(for: .milliseconds(20 * (attempt + 1)))
                    }
                } catch let error as IdentityStorageError where error.code == .unavailable {
                    router.connectionFailed()
                    throw error
                }
            }
            throw IdentityStorageError(.unavailable, "Redis Cluster kept redirecting slot \(slot); the cluster is being resharded")
        }
    }

    /// One command with cluster redirections followed; error replies other than redirections are returned.
    func runRaw(_ command: RedisCommand) async throws -> RedisReply {
        switch topology {
        case .standalone(let pool):
            return try await pool.withConnection(batching: command, in: Self.pipelined)
        case .cluster(let router):
            var asking: RedisEndpoint?
            for attempt in 0..<Self.maxAttempts {
                let endpoint: RedisEndpoint
                if let asking { endpoint = asking } else { endpoint = try await router.endpoint(forSlot: command.slot ?? 0) }
                let isAsking = asking != nil
                asking = nil
                let reply: RedisReply
                do {
                    let pool = try router.pool(for: endpoint)
                    reply = isAsking ? try await pool.withConnection { connection in try connection.execute(command, asking: true) }
                                     : try await pool.withConnection(batching: command, in: Self.pipelined)
                } catch let error as IdentityStorageError where error.code == .unavailable {
                    router.connectionFailed()
                    throw error
                }
                switch RedisRedirect(reply) {
                case .moved(let slot, let target):
                    router.moved(slot: slot, to: target)
                case .ask(_, let target):
                    asking = target
                case .tryAgain:
                    try await Task.sleep(for: .milliseconds(20 * (attempt + 1)))
                case nil:
                    if let message = reply.errorMessage, message.hasPrefix("CLUSTERDOWN") {
                        router.connectionFailed()
                    }
                    return reply
                }
            }
            throw IdentityStorageError(.unavailable, "Redis Cluster kept redirecting slot \(command.slot ?? 0); the cluster is being resharded")
        }
    }

    /// Every pool (one per node), for tests and shutdown.
    var pools: [RedisPool] {
        switch topology {
        case .standalone(let pool): return [pool]
        case .cluster(let router): return router.allPools
        }
    }

    func shutdown() async {
        switch topology {
        case .standalone(let pool): await pool.shutdown()
        case .cluster(let router): await router.shutdown()
        }
    }
}

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
    }

    private let state = Mutex(State())
    private let seeds: [RedisEndpoint]
    private let settings: RedisConnectionSettings
    private let poolConfiguration: RedisPool.Configuration
    /// A stale map is re-read at most this often, so a dead node does not cause a refresh per call.
    private static let refreshInterval = Duration.milliseconds(100)

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
        state.withLock { state in
            let index: Int
            if let existing = state.nodes.firstIndex(of: endpoint) {
                index = existing
            } else {
                state.nodes.append(endpoint)
                index = state.nodes.count - 1
            }
            state.slots[slot] = Int32(index)
            state.stale = true
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
        throw IdentityStorageError(.unavailable, "no Redis Cluster node answered CLUSTER SLOTS (\(failures.joined(separator: "; ")))")
    }

    private func install(_ ranges: [(ClosedRange<Int>, RedisEndpoint)]) {
        state.withLock { state in
            var slots = [Int32](repeating: -1, count: RedisSlot.count)
            for (range, endpoint) in ranges {
                let index: Int
                if let existing = state.nodes.firstIndex(of: endpoint) {
                    index = existing
                } else {
                    state.nodes.append(endpoint)
                    index = state.nodes.count - 1
                }
                for slot in range where slot >= 0 && slot < RedisSlot.count { slots[slot] = Int32(index) }
            }
            state.slots = slots
            state.stale = false
            state.lastRefresh = .now
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
