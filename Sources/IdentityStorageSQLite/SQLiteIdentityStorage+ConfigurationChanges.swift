import IdentityStorage
import IdentityStorageSQL

extension SQLiteIdentityStorage: ConfigurationChangeSource {
    /// Polls the change counter every configuration write bumps in its own transaction.
    public func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        database.polledConfigurationChanges(every: interval)
    }
}
