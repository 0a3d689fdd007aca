import Foundation
import IdentityStorage
import IdentityStorageBlockingPool

/// The `file:` adapter: configuration in one JSON document, key material in a directory, as the identity-server
/// deployment documentation's simplest set-up keeps them ("configuration files", "something simple like a shared
/// file"). It holds those two parts only; a deployment keeps operational data and the cache elsewhere.
///
/// ```swift
/// let deployment = try await StoreOpener(drivers: .builtIn + [FileDriver()]).openDeployment(DeploymentURLs(
///     store: "postgres://app:secret@db/idp", configuration: "file:/etc/idp/configuration.json", keyMaterial: "file:/etc/idp/keys"))
/// ```
///
/// - The document is the format of `idstore import` and `export` (`ConfigurationDocument`): an export is a valid
///   store, and a file kept in git can be the source of truth. Its lock file is `.NAME.lock` beside it.
/// - The key directory holds one file per key-ring element and per signing key (`KeyDirectory`).
/// - Every write is atomic and durable (temporary file, fsync, rename, fsync of the directory) and holds a lock file,
///   so several processes on one host, or on a shared mount that honours `flock`, may write; the conditional key-ring
///   append and signing-key store are race-safe across them.
/// - A change written by another process or by hand is seen by the next read, without a restart.
/// - File calls block: they run on the adapter's own I/O threads (`FileIO`), never on Swift's cooperative pool.
public final class FileIdentityStorage: ConfigurableBackend {
    /// What a `file:` path holds.
    public enum Content: Sendable, Hashable {
        /// A JSON configuration document (clients, resources, identity providers).
        case configuration
        /// A directory of key material (signing keys, the data-protection key ring).
        case keyMaterial
    }

    /// Settings of the `file:` adapter.
    public struct Configuration: URLConfiguration {
        /// The document or the directory.
        public var path: String
        /// What `path` holds. From a URL: a path ending in `.json` is a configuration document, any other a key
        /// directory.
        public var content: Content
        /// How long a write waits for another writer's lock (URL `lock_timeout`). Default: 10 s.
        public var lockTimeout: Duration = .seconds(10)
        /// Serve reads only: a document or directory this process may not write (a read-only mount, a
        /// configuration map) is accepted, and every write fails with `unsupported` (URL `read_only`). Default: false.
        public var readOnly = false
        /// Unused by these stores (nothing they hold expires); kept for the driver seam.
        public var clock: any WallClock = SystemWallClock()
        /// Where the store logs and reports its connections and pool (see `StoreObservability`). Default: nowhere.
        public var observability = StoreObservability()

        /// A document (`.configuration`) or a key directory (`.keyMaterial`) at `path`, with the default lock timeout,
        /// writable.
        public init(path: String, content: Content) {
            self.path = path
            self.content = content
        }

        /// The configuration a `file:` URL describes: `file:/etc/idp/configuration.json`, `file:keys` (relative to the
        /// working directory), `file:///etc/idp/keys`; parameters `lock_timeout` and `read_only`.
        public init(url: StoreURL) throws(IdentityStorageError) {
            guard !url.hasAuthority || (url.hosts.isEmpty && url.user == nil) else {
                throw .invalidArgument("store URL '\(url)' names a host; write file:/path or file:///path")
            }
            guard !url.path.isEmpty else {
                throw .invalidArgument("store URL '\(url)' needs a path: file:/etc/idp/configuration.json or file:/etc/idp/keys")
            }
            self.init(path: url.path, content: Self.content(of: url.path))
            var parameters = StoreURLParameters(url, driver: "file")
            lockTimeout = try parameters.duration("lock_timeout") ?? lockTimeout
            readOnly = try parameters.boolean("read_only") ?? readOnly
            try parameters.finish()
        }

        /// What `path` holds, by its name: the part a URL holds does not depend on what is on disk at the moment.
        static func content(of path: String) -> Content {
            path.hasSuffix(".json") ? .configuration : .keyMaterial
        }
    }

    /// The settings this backend was opened with.
    public let configuration: Configuration
    let io: FileIO
    private let document: ConfigurationFile?
    private let keys: KeyDirectory?

    private init(configuration: Configuration, io: FileIO) {
        self.configuration = configuration
        self.io = io
        document = configuration.content == .configuration ? ConfigurationFile(path: configuration.path, io: io) : nil
        keys = configuration.content == .keyMaterial ? KeyDirectory(path: configuration.path, io: io) : nil
    }

    /// Checks the path (its directory exists; a document is a file that parses and validates, key material a
    /// directory; both writable unless ``Configuration/readOnly``) and opens it. Bad input is one
    /// `IdentityStorageError.Code.invalidArgument` naming the path, an unwritable path
    /// `IdentityStorageError.Code.permissionDenied`; nothing is written.
    public static func open(_ configuration: Configuration) async throws -> FileIdentityStorage {
        try FieldValidation.positive(configuration.lockTimeout, "file lock timeout")
        let io = FileIO(lockTimeout: configuration.lockTimeout, readOnly: configuration.readOnly)
        do {
            try await io.read { try FileIdentityStorage.check(configuration) }
        } catch {
            await io.shutdown()
            throw error
        }
        return FileIdentityStorage(configuration: configuration, io: io)
    }

    /// The configuration or key-material stores; the stores of the other parts refuse with `unsupported`.
    public func makeStores(clock: (any WallClock)? = nil) -> IdentityStores {
        let capabilities: StoreCapabilities = [.injectableClock, .durable]
        if let document {
            var stores = IdentityStores.unheld("file:\(configuration.path) holds configuration only", capabilities: capabilities)
            stores.clients = FileClientStore(file: document)
            stores.resources = FileResourceStore(file: document)
            stores.identityProviders = FileIdentityProviderStore(file: document)
            return stores
        }
        var stores = IdentityStores.unheld("file:\(configuration.path) holds key material only", capabilities: capabilities)
        stores.signingKeys = FileSigningKeyStore(directory: keys!)
        stores.keyRing = FileKeyRingStore(directory: keys!)
        return stores
    }

    /// Files have no schema: nil.
    public func schemaVersion() async throws -> Int? { nil }

    /// Ends the I/O threads.
    public func close() async {
        await io.shutdown()
    }

    /// The document, when this storage holds configuration (package hook for the corrupted-data cases).
    package var configurationFile: ConfigurationFile? { document }

    /// The key directory, when this storage holds key material (package hook for the corrupted-data cases).
    package var keyDirectory: KeyDirectory? { keys }

    private static func check(_ configuration: Configuration) throws(IdentityStorageError) {
        let path = configuration.path
        let (directory, _) = FileSystem.split(path)
        guard FileSystem.kind(of: directory) == .directory else {
            throw .invalidArgument("file:\(path): the directory \(directory) does not exist")
        }
        let kind = FileSystem.kind(of: path)
        let readOnlyHint = "(give read_only=true for a store this process only reads)"
        switch configuration.content {
        case .configuration:
            guard kind != .directory else {
                throw .invalidArgument("file:\(path) is a directory; a configuration document is a file (file:\(path)/configuration.json)")
            }
            if let file = try FileSystem.contents(path) {
                do {
                    _ = try RawConfigurationDocument(file.bytes, path: path)
                    _ = try ConfigurationDocument(json: Data(file.bytes))
                } catch {
                    throw .invalidArgument(error.code == .corruptedData ? error.message : "\(path): \(error.message)")
                }
            }
            if !configuration.readOnly, !(kind == .missing || FileSystem.isWritable(path)) || !FileSystem.isWritable(directory) {
                throw .permissionDenied("file:\(path) is not writable \(readOnlyHint), or give this process's user write access to it and to \(directory)")
            }
        case .keyMaterial:
            guard kind == .directory || kind == .missing else {
                throw .invalidArgument("file:\(path) is a file; key material lives in a directory (file:\(directory)/keys)")
            }
            if kind == .directory { _ = try FileSystem.names(in: path) }
            if !configuration.readOnly, !FileSystem.isWritable(kind == .directory ? path : directory) {
                throw .permissionDenied("file:\(path) is not writable \(readOnlyHint), or give this process's user write access to \(kind == .directory ? path : directory)")
            }
        }
    }
}
