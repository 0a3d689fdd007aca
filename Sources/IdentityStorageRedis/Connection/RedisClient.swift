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
    /// The ACL user, for the grant a refusal names.
    let user: String?

    func run(_ command: RedisCommand, _ context: @autoclosure () -> String) throws -> RedisReply {
        let reply = try connection.execute(command)
        if let redirect = RedisRedirect(reply) { throw redirect }
        if case .error(let message) = reply { throw RedisErrors.map(message, context: context(), command: command, user: user) }
        return reply
    }
}

/// Sends commands to a standalone server or to the right node of a Redis Cluster.
///
/// Standalone: one ``BlockingConnectionPool`` of hiredis connections. Cluster: one pool with a lane per node
/// (see ``RedisClusterRouter``), a slot map read with `CLUSTER SLOTS`, `MOVED` (update the map, retry) and `ASK` (`ASKING`, retry once)
/// redirections, and a fresh slot map after `MOVED`, after a broken connection and on `CLUSTERDOWN`.
/// A command whose connection breaks is not retried (it may have run): the caller gets `unavailable`.
package final class RedisClient: Sendable {
    package enum Topology: Sendable {
        case standalone(RedisPool)
        case cluster(RedisClusterRouter)
    }

    package let topology: Topology
    /// The ACL user the connections authenticate as (nil: `default`), for the grant a refusal names.
    package let user: String?
    private static let maxAttempts = 6

    private init(topology: Topology, user: String?) {
        self.topology = topology
        self.user = user
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
            return RedisClient(topology: .cluster(router), user: settings.user)
        }
        let endpoint = endpoints[0]
        var configuration = pool
        configuration.threadName = "redis-\(endpoint)"
        configuration.telemetry.pool = "\(endpoint)"
        let connectionPool = RedisPool(configuration: configuration) {
            try RedisConnection(endpoint: endpoint, settings: settings)
        }
        do {
            try await connectionPool.warmUp()
        } catch {
            await connectionPool.shutdown()
            throw error
        }
        return RedisClient(topology: .standalone(connectionPool), user: settings.user)
    }

    var isCluster: Bool {
        if case .cluster = topology { return true }
        return false
    }

    /// Single commands of concurrent callers queued together on one node go out as one pipeline: one round
    /// trip and one thread wake-up for all of them (each caller still gets its own reply, in order).
    static let pipelined = ConnectionBatch<RedisConnection, RedisCommand, RedisReply>(maximum: 64, leavesCallsToWokenThreads: false) { connection, commands in
        commands.count == 1 ? [try connection.execute(commands[0])] : try connection.pipeline(commands)
    }

    /// Runs one command and returns its reply; an error reply becomes an `IdentityStorageError`.
    ///
    /// A caller cancelled while its command runs: for a read (``RedisCommand/isRead``) it is answered at once with
    /// `CancellationError` and the command finishes for nobody (Redis cannot stop it); otherwise it waits for the
    /// outcome, so that what a write did (a grant taken) is never lost unreported.
    package func run(_ command: RedisCommand, _ context: @autoclosure () -> String) async throws -> RedisReply {
        let reply = try await runRaw(command)
        if case .error(let message) = reply { throw RedisErrors.map(message, context: context(), command: command, user: user) }
        return reply
    }

    /// Runs commands in as few round trips as possible (one pipeline per node), returning replies in order.
    /// Reads (every command ``RedisCommand/isRead``) answer a cancelled caller at once, as ``run(_:_:)`` does.
    package func runAll(_ commands: [RedisCommand], _ context: @autoclosure () -> String) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        let isRead = commands.allSatisfy(\.isRead)
        var replies: [RedisReply]
        switch topology {
        case .standalone(let pool):
            replies = try await pool.withConnection(interruptible: isRead) { connection in try connection.pipeline(commands) }
        case .cluster(let router):
            var groups: [Int: [Int]] = [:]
            for (index, command) in commands.enumerated() {
                groups[try await router.lane(forSlot: command.slot ?? 0), default: []].append(index)
            }
            replies = [RedisReply](repeating: .null, count: commands.count)
            let results = try await withThrowingTaskGroup(of: [(Int, RedisReply)].self) { group in
                for (lane, indices) in groups {
                    let batch = indices.map { commands[$0] }
                    group.addTask {
                        do {
                            let answers = try await router.pool.withConnection(lane: lane, interruptible: isRead) { connection in
                                try connection.pipeline(batch)
                            }
                            return Array(zip(indices, answers))
                        } catch is CancellationError {
                            // The caller went (a read answers at once): nothing says the node did.
                            throw CancellationError()
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
        for (index, reply) in replies.enumerated() {
            if case .error(let message) = reply { throw RedisErrors.map(message, context: context(), command: commands[index], user: user) }
        }
        return replies
    }

    /// Runs `body` with one connection to the node serving `slot` (several commands, one job).
    /// The body must be safe to repeat: after a redirect it runs again on the right node. `isRead`: the body only
    /// reads, and a cancelled caller is answered at once (see ``run(_:_:)``).
    func withSession<T: Sendable>(slot: Int, isRead: Bool = false, _ body: @escaping @Sendable (RedisSession) throws -> T) async throws -> T {
        switch topology {
        case .standalone(let pool):
            return try await pool.withConnection(interruptible: isRead) { connection in try body(RedisSession(connection: connection, user: self.user)) }
        case .cluster(let router):
            for attempt in 0..<Self.maxAttempts {
                let lane = try await router.lane(forSlot: slot)
                do {
                    return try await router.pool.withConnection(lane: lane, interruptible: isRead) { connection in
                        try body(RedisSession(connection: connection, user: self.user))
                    }
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
            return try await pool.withConnection(batching: command, in: Self.pipelined, interruptible: command.isRead)
        case .cluster(let router):
            var asking: Int?
            for attempt in 0..<Self.maxAttempts {
                let lane: Int
                if let asking { lane = asking } else { lane = try await router.lane(forSlot: command.slot ?? 0) }
                let isAsking = asking != nil
                asking = nil
                let reply: RedisReply
                do {
                    reply = isAsking
                        ? try await router.pool.withConnection(lane: lane, interruptible: command.isRead) { connection in
                            try connection.execute(command, asking: true)
                        }
                        : try await router.pool.withConnection(batching: command, in: Self.pipelined, lane: lane, interruptible: command.isRead)
                } catch let error as IdentityStorageError where error.code == .unavailable {
                    router.connectionFailed()
                    throw error
                }
                switch RedisRedirect(reply) {
                case .moved(let slot, let target):
                    router.moved(slot: slot, to: target)
                case .ask(let slot, let target):
                    router.asked(slot: slot, to: target)
                    asking = router.lane(of: target)
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

    func shutdown() async {
        switch topology {
        case .standalone(let pool): await pool.shutdown()
        case .cluster(let router): await router.shutdown()
        }
    }
}
