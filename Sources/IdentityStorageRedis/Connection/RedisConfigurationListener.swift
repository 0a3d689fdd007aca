import Foundation
import IdentityStorage
import IdentityStorageBlockingPool
import Synchronization

/// The Redis configuration change channel: every configuration write script ends with a `PUBLISH` on
/// `<prefix>configuration`; a connection of its own subscribes on a thread of its own and proves it is still
/// subscribed with a `PING` every interval (its answer comes after every message published before it). In a
/// cluster, `PUBLISH` reaches every node, so the listener subscribes on any one and moves to the next seed
/// node when its node fails.
enum RedisConfigurationListener {
    /// What `CLIENT LIST` shows for the listening connection.
    static let clientName = "identitystorage-configuration-listener"

    /// The channel of the keys under `prefix` (the scripts derive it from their first key the same way).
    static func channel(prefix: String) -> String { prefix + "configuration" }

    /// The Lua line a configuration write script ends with.
    static let publish = "redis.call('PUBLISH', string.match(KEYS[1], '^[^{]*') .. 'configuration', '1')\n"

    static func events(endpoints: [RedisEndpoint], settings: RedisConnectionSettings, prefix: String,
                       every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        var settings = settings
        settings.clientName = clientName
        let channel = Array(channel(prefix: prefix).utf8)
        let attempts = Atomic<Int>(0)
        return ChangeListenerThread.events(name: "redis-listen", retryDelay: interval) { [settings] report, isStopped throws(IdentityStorageError) in
            let endpoint = endpoints[attempts.add(1, ordering: .relaxed).oldValue % endpoints.count]
            let connection = try RedisConnection(endpoint: endpoint, settings: settings)
            defer { connection.close() }
            let subscribed = ContinuousClock.now
            try connection.send([Array("SUBSCRIBE".utf8), channel])
            guard case .array(let confirmation)? = try connection.nextReply(waitingUpTo: settings.commandTimeout),
                  confirmation.first == .bulk(Array("subscribe".utf8)) else {
                throw IdentityStorageError(.unavailable, "Redis at \(endpoint) refused the configuration channel subscription")
            }
            report(.changed)
            report(.synchronized(subscribed))
            var pingSent: ContinuousClock.Instant?
            var heartbeat = subscribed + interval
            while !isStopped() {
                let now = ContinuousClock.now
                if pingSent == nil, now >= heartbeat {
                    pingSent = now
                    try connection.send([Array("PING".utf8)])
                }
                if let sent = pingSent, now - sent > settings.commandTimeout {
                    throw IdentityStorageError(.timeout, "Redis at \(endpoint) did not answer the configuration listener's PING within \(settings.commandTimeout)")
                }
                let wait = pingSent == nil ? min(max(heartbeat - now, .zero), .milliseconds(100)) : .milliseconds(100)
                guard let reply = try connection.nextReply(waitingUpTo: wait) else { continue }
                switch reply {
                case .array(let items) where items.first == .bulk(Array("message".utf8)):
                    report(.changed)
                case .array(let items) where items.first == .bulk(Array("pong".utf8)):
                    if let sent = pingSent {
                        report(.synchronized(sent))
                        heartbeat = sent + interval
                    }
                    pingSent = nil
                case .error(let message):
                    throw IdentityStorageError(.unavailable, "Redis at \(endpoint) ended the configuration channel subscription",
                                               backendDetail: RedisErrors.detail(message))
                default:
                    break
                }
            }
        }
    }
}

extension RedisIdentityStorage: ConfigurationChangeSource {
    /// Subscribes to the channel every configuration write script publishes on, on a connection of its own.
    public func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        RedisConfigurationListener.events(endpoints: configuration.endpoints.map { RedisEndpoint(host: $0.host, port: $0.port) },
                                          settings: settings, prefix: configuration.keyPrefix, every: interval)
    }
}
