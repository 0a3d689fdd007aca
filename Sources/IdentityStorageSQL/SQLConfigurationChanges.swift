import IdentityStorage

/// How the SQL adapters tell other instances that configuration changed: each configuration write runs the
/// dialect's ``SQLDialect/configurationChange`` in its own transaction. By default that bumps a counter in
/// `configuration_changes` (one row) that the other instances' configuration caches poll
/// (``SQLDatabase/polledConfigurationChanges(every:)``); PostgreSQL sends a notification instead.
///
/// An adapter that keeps the default creates the counter's table and row in its first migration
/// (``counterTable``, ``counterRow``).
public enum SQLConfigurationChanges {
    /// The default change signal: the counter's bump. It runs last in the write's transaction, so the row lock
    /// it takes is held only until the commit, and every writer takes its own rows' locks before this one.
    public static let bumpCounter = "UPDATE configuration_changes SET version = version + 1 WHERE id = 1"

    /// The counter's table, for an adapter's migrations (portable SQL; adapt the types if the engine needs).
    public static let counterTable = "CREATE TABLE configuration_changes (id integer NOT NULL PRIMARY KEY, version bigint NOT NULL)"
    /// The counter's one row, inserted by the migration that creates ``counterTable``.
    public static let counterRow = "INSERT INTO configuration_changes(id, version) VALUES (1, 0)"

    static let readCounter = "SELECT version FROM configuration_changes WHERE id = 1"
}

extension SQLDatabase {
    /// A configuration write: `body`, then the dialect's change signal, in one transaction.
    @discardableResult
    func configurationWrite<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let signal = dialect.configurationChange
        return try await transaction { connection in
            let result = try body(connection)
            _ = try connection.run(signal, [])
            return result
        }
    }

    /// The configuration change counter's events, polled every `interval` (SQLite, MariaDB): what an adapter that keeps
    /// the default ``SQLDialect/configurationChange`` returns as its storage's configuration changes.
    public func polledConfigurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        ConfigurationChangePolling.changes(every: interval) { [self] in
            try await read { connection in
                try connection.query(SQLConfigurationChanges.readCounter, []) { try $0.int64(0) }.first ?? 0
            }
        }
    }
}
