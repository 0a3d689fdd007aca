import IdentityStorage
import IdentityStorageMemory
import Synchronization

/// A configuration document on disk, in the format of `idstore import` and `export` (`ConfigurationDocument`):
/// read on demand, written whole and atomically.
///
/// - Reads check the file's fingerprint (one `stat` on an I/O thread) and parse it again only when it changed, so a
///   change by another process or by hand is seen by the next read, without a restart. The parsed version is kept as
///   in-memory stores (``Snapshot``), which answer every read with the in-memory adapter's semantics.
/// - A document that does not parse fails every read with `corruptedData` naming the file (and the line): never stale
///   or partial data. An item that does not decode fails the reads that reach it, as a damaged row would.
/// - Writes hold the document's lock file (`.NAME.lock` beside it) across read, change and atomic replace, so writers
///   in several processes are serialised and none loses another's change.
package final class ConfigurationFile: Sendable {
    /// The document's path, as the URL gave it.
    package let path: String
    private let directory: String
    private let name: String
    private let lockPath: String
    private let io: FileIO
    private let cached = Mutex<Snapshot?>(nil)

    package init(path: String, io: FileIO) {
        self.path = path
        (directory, name) = FileSystem.split(path)
        lockPath = "\(directory)/.\(name).lock"
        self.io = io
    }

    /// The document as it is now on disk.
    package func current() async throws -> Snapshot {
        let known = cached.withLock { $0 }
        let path = self.path
        let read = try await io.read { () -> ReadResult in
            if let known, try FileSystem.fingerprint(path) == known.fingerprint { return .unchanged }
            return .changed(try FileSystem.contents(path).map { ReadFile(bytes: $0.bytes, fingerprint: $0.fingerprint) })
        }
        switch read {
        case .unchanged:
            return known!
        case .changed(let file):
            let snapshot = try await Snapshot.load(file, path: path)
            cached.withLock { $0 = snapshot }
            return snapshot
        }
    }

    /// Reads the document under its lock, applies `change`, and replaces the file when `change` says it changed
    /// something. A document that does not parse is never written over: the write fails with `corruptedData`.
    package func update<T: Sendable>(_ change: @escaping @Sendable (inout RawConfigurationDocument) throws -> (result: T, changed: Bool))
        async throws -> T {
        let (path, directory, name) = (self.path, self.directory, self.name)
        let result = try await io.write(locking: lockPath, of: path) {
            try FileSystem.removeTemporaryFiles(in: directory, of: name)
            var document = try FileSystem.contents(path).map { try RawConfigurationDocument($0.bytes, path: path) } ?? RawConfigurationDocument()
            let outcome = try change(&document)
            if outcome.changed { try FileSystem.replace(path, with: try document.bytes()) }
            return outcome.result
        }
        cached.withLock { $0 = nil }
        return result
    }

    fileprivate struct ReadFile: Sendable {
        let bytes: [UInt8]
        let fingerprint: FileSystem.Fingerprint
    }

    private enum ReadResult: Sendable {
        case unchanged
        case changed(ReadFile?)
    }

    /// One version of the document, as in-memory stores, with what did not decode.
    package final class Snapshot: Sendable {
        let fingerprint: FileSystem.Fingerprint?
        /// The stores of every item that decoded; a client that did not is kept as an unreadable document.
        let stores: IdentityStores
        /// Why each client that did not decode is damaged.
        let damagedClients: [ExactString: IdentityStorageError]
        /// The first resource that did not decode: resource reads fail while it is there.
        let damagedResource: IdentityStorageError?
        /// The first identity provider that did not decode: provider reads fail while it is there.
        let damagedProvider: IdentityStorageError?

        private init(fingerprint: FileSystem.Fingerprint?, stores: IdentityStores, damagedClients: [ExactString: IdentityStorageError],
                     damagedResource: IdentityStorageError?, damagedProvider: IdentityStorageError?) {
            self.fingerprint = fingerprint
            self.stores = stores
            self.damagedClients = damagedClients
            self.damagedResource = damagedResource
            self.damagedProvider = damagedProvider
        }

        fileprivate static func load(_ file: ReadFile?, path: String) async throws -> Snapshot {
            let document = try file.map { try RawConfigurationDocument($0.bytes, path: path) } ?? RawConfigurationDocument()
            let storage = MemoryIdentityStorage()
            let stores = storage.makeStores()
            var damagedClients: [ExactString: IdentityStorageError] = [:]
            func damage(_ error: any Error) -> IdentityStorageError {
                .corruptedData("\(path): " + ((error as? IdentityStorageError)?.message ?? "\(error)"))
            }
            for (index, (id, item)) in document.lists["clients"]!.sorted(by: { $0.key < $1.key }).enumerated() {
                do {
                    try await stores.clients.saveClient(try ConfigurationDocument.item(item, in: "clients", at: index, idKey: "clientId",
                                                                                        defaults: { Client(clientId: $0) }))
                } catch {
                    damagedClients[id] = damage(error)
                    storage.clients.overwriteStoredDocument(ofClient: id.value, with: "")
                }
            }
            func each<T: Codable>(_ list: String, idKey: String, _ defaults: (String) -> T, _ save: (T) async throws -> Void) async -> IdentityStorageError? {
                for (index, (_, item)) in document.lists[list]!.sorted(by: { $0.key < $1.key }).enumerated() {
                    do {
                        try await save(try ConfigurationDocument.item(item, in: list, at: index, idKey: idKey, defaults: defaults))
                    } catch {
                        return damage(error)
                    }
                }
                return nil
            }
            let resources = stores.resources
            let identityResources = await each("identityResources", idKey: "name", { IdentityResource(name: $0) }, resources.saveIdentityResource)
            let apiScopes = await each("apiScopes", idKey: "name", { ApiScope(name: $0) }, resources.saveApiScope)
            let apiResources = await each("apiResources", idKey: "name", { ApiResource(name: $0) }, resources.saveApiResource)
            let damagedResource = identityResources ?? apiScopes ?? apiResources
            let damagedProvider = await each("identityProviders", idKey: "scheme", { IdentityProvider(scheme: $0) }, stores.identityProviders.saveIdentityProvider)
            return Snapshot(fingerprint: file?.fingerprint, stores: stores, damagedClients: damagedClients,
                            damagedResource: damagedResource, damagedProvider: damagedProvider)
        }
    }
}
