/// What a configuration change channel reports to a ``ConfigurationCache``.
public enum ConfigurationChangeEvent: Sendable {
    /// Configuration changed, or may have (the channel was just established or re-established, or a poll found
    /// a new version): everything cached from the backend is dropped.
    case changed
    /// Every change committed before this instant has been reported (a heartbeat answered, a poll read the
    /// version). The cache serves from memory only while its last synchronisation is recent enough.
    case synchronized(ContinuousClock.Instant)
    /// The channel is down (a lost connection, a failed poll); reported once per outage. The cache reads
    /// through until the channel reports ``changed`` and ``synchronized(_:)`` again.
    case interrupted(IdentityStorageError)
}

/// An ability of a backend whose configuration writes tell every other instance (find it with
/// `backend as? any ConfigurationChangeSource`): what a ``ConfigurationCache`` listens to.
///
/// The built-in adapters adopt it: PostgreSQL with `LISTEN`/`NOTIFY`, Redis and Redis Cluster with pub/sub,
/// MariaDB and SQLite by polling a change counter their configuration writes bump in the same transaction, the
/// in-memory store by polling its own counter, `file:` by watching the document. Every configuration write of
/// the backend, through whatever process, must reach the channel: a write that does not is served stale until
/// the cache's time-to-live.
///
/// A polling source is one line with ``ConfigurationChangePolling``; a push source reports ``ConfigurationChangeEvent/changed``
/// once its subscription is in place (changes made before it were never seen), then each change, and a
/// ``ConfigurationChangeEvent/synchronized(_:)`` at least every `interval` while it is up.
public protocol ConfigurationChangeSource: Sendable {
    /// The events of the backend's change channel, reported at least every `interval` while it is up. The
    /// source opens what it needs (a connection of its own, a polling task), reconnects after a failure, and
    /// releases everything when the consumer stops iterating.
    func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent>
}
