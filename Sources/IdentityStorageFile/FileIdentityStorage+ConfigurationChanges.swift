import IdentityStorage

extension FileIdentityStorage: ConfigurationChangeSource {
    /// Watches the configuration document: its fingerprint (inode, size, modification and change times, one `stat`
    /// on an I/O thread) polled every `interval`, so a hand edit, `idstore import` or another instance's write
    /// (each replaces the file or rewrites it) is a change.
    public func configurationChanges(every interval: Duration) -> AsyncStream<ConfigurationChangeEvent> {
        let io = io, path = configuration.path
        return ConfigurationChangePolling.changes(every: interval) {
            try await io.read { try FileSystem.fingerprint(path) }
        }
    }
}
