import IdentityStorage
import IdentityStorageBlockingPool

/// The PostgreSQL configuration change channel: configuration writes run `pg_notify(channel, schema)` in their
/// transaction (``SQLDialect/configurationChange``), delivered at commit; a connection of its own `LISTEN`s on a
/// thread of its own, and proves it is still listening with an empty query every interval (notifications sent
/// before the query was are read before its answer).
enum PostgresConfigurationListener {
    /// One channel per database; the payload names the schema written, so deployments in other schemas are ignored.
    static let channel = "identitystorage_configuration"
    /// What `pg_stat_activity` shows for the listening session.
    static let applicationName = "identitystorage configuration listener"

    static func events(_ settings: PostgresConnectionSettings, every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        ChangeListenerThread.events(name: "postgres-listen", retryDelay: interval) { report, isStopped throws(IdentityStorageError) in
            let connection = try PostgresConnection(settings: settings)
            defer { connection.close() }
            let subscribed = ContinuousClock.now
            try connection.executeScript("SET application_name = '\(applicationName)'; LISTEN \(channel)")
            // The connection reopens by itself after losing its session while idle; a new session listens to nothing.
            let session = connection.backendPID
            report(.changed)
            report(.synchronized(subscribed))
            var heartbeat = subscribed + interval
            while !isStopped() {
                let wait = heartbeat - .now
                let heard: [String]
                if wait > .zero {
                    heard = try connection.takeNotifications(waitingUpTo: min(wait, .milliseconds(100)))
                } else {
                    let sent = ContinuousClock.now
                    try connection.executeScript("")
                    guard connection.backendPID == session else {
                        throw IdentityStorageError(.unavailable, "the PostgreSQL listening session ended")
                    }
                    heard = try connection.takeNotifications(waitingUpTo: .zero)
                    if heard.contains(settings.schema) { report(.changed) }
                    report(.synchronized(sent))
                    heartbeat = sent + interval
                    continue
                }
                if heard.contains(settings.schema) { report(.changed) }
            }
        }
    }
}

extension PostgresIdentityStorage: ConfigurationChangeSource {
    /// Listens for the notifications every configuration write sends at commit, on a connection of its own.
    public func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        PostgresConfigurationListener.events(PostgresConnectionSettings(configuration), every: interval)
    }
}
