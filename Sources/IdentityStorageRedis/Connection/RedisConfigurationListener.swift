import Foundation
import Glibc
import IdentityStorage
import IdentityStorageBlockingPool
import Synchronization

/// The Redis configuration change channel: every configuration write script ends with a `PUBLISH` on
/// `<prefix>configuration`; connections of their own subscribe on a thread of its own and prove every interval,
/// with a `PING`, that they are still subscribed.
///
/// Why one connection per master in a cluster: a script's `PUBLISH` reaches the subscribers of the node that ran it
/// before the script's reply leaves, so a `PING` to that node sent after the write returned is answered after the
/// message; other nodes hear of it over the cluster bus, a little later and with no bound. The listener therefore
/// subscribes on every master that owns the slot of a configuration tag (clients, resources, identity providers),
/// found with `CLUSTER SLOTS`, and reports a synchronisation only when all of them have answered. A failed node
/// ends the session; the next one reads the slot map again (from the next seed node), so it follows a failover.
enum RedisConfigurationListener {
    /// What `CLIENT LIST` shows for a listening connection.
    static let clientName = "identitystorage-configuration-listener"

    /// The channel of the keys under `prefix` (the scripts derive it from their first key the same way).
    static func channel(prefix: String) -> String { prefix + "configuration" }

    /// The Lua line a configuration write script ends with.
    static let publish = "redis.call('PUBLISH', string.match(KEYS[1], '^[^{]*') .. 'configuration', '1')\n"

    /// The Lua lines a configuration write script starts with (``RedisScript`` adds them): an ACL user without the
    /// channel is refused before anything is written, with an error that names the channel.
    static let publishGuard = """
        if not redis.acl_check_cmd('PUBLISH', string.match(KEYS[1], '^[^{]*') .. 'configuration', '1') then
          return redis.error_reply('NOPERM this user has no permissions to publish on the configuration channel '
            .. string.match(KEYS[1], '^[^{]*') .. 'configuration')
        end

        """

    static func events(seeds: [RedisEndpoint], cluster: Bool, slots: [Int], settings: RedisConnectionSettings, prefix: String,
                       every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        var settings = settings
        settings.clientName = clientName
        let channel = Array(channel(prefix: prefix).utf8)
        let attempts = Atomic<Int>(0)
        return ChangeListenerThread.events(name: "redis-listen", retryDelay: interval) { [settings] report, isStopped throws(IdentityStorageError) in
            let seed = seeds[attempts.add(1, ordering: .relaxed).oldValue % seeds.count]
            let masters = cluster ? try mastersOwning(slots, askingFirst: seed, seeds: seeds, settings: settings) : [seed]
            let subscribed = ContinuousClock.now
            var connections: [RedisConnection] = []
            defer { for connection in connections { connection.close() } }
            for endpoint in masters {
                let connection = try RedisConnection(endpoint: endpoint, settings: settings)
                connections.append(connection)
                try connection.send([Array("SUBSCRIBE".utf8), channel])
                let reply = try connection.nextReply(waitingUpTo: settings.commandTimeout)
                guard case .array(let confirmation)? = reply, confirmation.first == .bulk(Array("subscribe".utf8)) else {
                    if case .error(let message)? = reply, let refused = RedisErrors.permissionDenied(
                        message, context: "subscribing to the configuration channel on Redis at \(endpoint)", command: nil, user: settings.user,
                        keyPrefix: prefix) {
                        throw refused
                    }
                    throw IdentityStorageError(.unavailable, "Redis at \(endpoint) refused the configuration channel subscription")
                }
            }
            report(.changed)
            report(.synchronized(subscribed))
            var heartbeat = subscribed + interval
            var pingSent: ContinuousClock.Instant?
            var awaitingPong = Set<Int>()
            while !isStopped() {
                let now = ContinuousClock.now
                if pingSent == nil, now >= heartbeat {
                    pingSent = now
                    for connection in connections { try connection.send([Array("PING".utf8)]) }
                    awaitingPong = Set(connections.indices)
                }
                if let sent = pingSent, now - sent > settings.commandTimeout {
                    throw IdentityStorageError(.timeout, "Redis did not answer the configuration listener's PING within \(settings.commandTimeout)")
                }
                let wait = pingSent == nil ? min(max(heartbeat - now, .zero), .milliseconds(100)) : .milliseconds(100)
                for index in try readable(connections, waitingUpTo: wait) {
                    while let reply = try connections[index].nextReply(waitingUpTo: .zero) {
                        switch reply {
                        case .array(let items) where items.first == .bulk(Array("message".utf8)):
                            report(.changed)
                        case .array(let items) where items.first == .bulk(Array("pong".utf8)):
                            awaitingPong.remove(index)
                        case .error(let message):
                            throw IdentityStorageError(.unavailable, "Redis at \(connections[index].endpoint) ended the configuration channel subscription",
                                                       backendDetail: RedisErrors.detail(message))
                        default:
                            break
                        }
                    }
                }
                if let sent = pingSent, awaitingPong.isEmpty {
                    report(.synchronized(sent))
                    heartbeat = sent + interval
                    pingSent = nil
                }
            }
        }
    }

    /// The masters owning `slots`, from the `CLUSTER SLOTS` of the first seed that answers.
    private static func mastersOwning(_ slots: [Int], askingFirst first: RedisEndpoint, seeds: [RedisEndpoint],
                                      settings: RedisConnectionSettings) throws(IdentityStorageError) -> [RedisEndpoint] {
        var failure: IdentityStorageError?
        for seed in [first] + seeds.filter({ $0 != first }) {
            do throws(IdentityStorageError) {
                let connection = try RedisConnection(endpoint: seed, settings: settings)
                defer { connection.close() }
                let ranges = try RedisClusterRouter.parse(try connection.execute([Array("CLUSTER".utf8), Array("SLOTS".utf8)]), queried: seed)
                var masters: [RedisEndpoint] = []
                for slot in slots {
                    guard let owner = ranges.first(where: { $0.0.contains(slot) })?.1 else {
                        throw IdentityStorageError(.unavailable, "no Redis Cluster master owns slot \(slot) (asked \(seed))")
                    }
                    if !masters.contains(owner) { masters.append(owner) }
                }
                return masters
            } catch {
                failure = error
            }
        }
        throw failure ?? IdentityStorageError(.unavailable, "no Redis Cluster seed node is configured")
    }

    /// The indices of the connections with a reply to read, waiting up to `timeout` for one.
    private static func readable(_ connections: [RedisConnection], waitingUpTo timeout: Duration) throws(IdentityStorageError) -> [Int] {
        var items = connections.map { pollfd(fd: $0.context.pointee.fd, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&items, nfds_t(items.count), timeout.pollMilliseconds)
        if ready < 0, errno != EINTR { throw IdentityStorageError(.unavailable, "waiting for configuration channel messages failed (errno \(errno))") }
        return items.indices.filter { items[$0].revents != 0 }
    }
}

extension RedisIdentityStorage: ConfigurationChangeSource {
    /// Subscribes to the channel every configuration write script publishes on, on connections of its own (one per
    /// master owning a configuration tag's slot in a cluster).
    public func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        RedisConfigurationListener.events(seeds: configuration.endpoints.map { RedisEndpoint(host: $0.host, port: $0.port) },
                                          cluster: configuration.mode == .cluster,
                                          slots: [keys.clients.slot, keys.resources.slot, keys.identityProviders.slot],
                                          settings: settings, prefix: configuration.keyPrefix, every: interval)
    }
}
