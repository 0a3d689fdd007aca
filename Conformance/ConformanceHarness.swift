import IdentityStorage

/// What a backend's test target (or `idstore check`) provides to run the suite: a way to get the
/// stores for one case. Modelled on swift-configuration's ConfigurationTesting: one line per provider.
///
/// A backend opened through a driver needs no harness of its own: ``BackendHarness`` runs the suite on it.
public protocol ConformanceHarness: Sendable {
    /// A short name for messages, e.g. `"memory"`, `"sqlite-file"`.
    var backendName: String { get }

    /// Stores for one case, evaluating expiry against `clock` where the backend supports it.
    /// Cases isolate themselves by key prefixes, so a harness may return stores over one shared database.
    func makeStores(clock: ManualWallClock) async throws -> IdentityStores

    /// Called after the case with the stores it used (close connections, delete files). Default: nothing.
    func release(_ stores: IdentityStores) async throws

    /// What damages the data of `stores` for the corrupted-data cases; nil skips those cases, saying why.
    /// Default: nil.
    func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)?

    /// The data the stores live in, so that ``ConformanceSuite/run(_:on:)`` runs a case that needs the database to
    /// itself alone on it. Default: ``ConformanceDatabase/sharedInThisProcess``, right whatever the harness does.
    var database: ConformanceDatabase { get }
}

extension ConformanceHarness {
    public func release(_ stores: IdentityStores) async throws {}

    public func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? { nil }

    public var database: ConformanceDatabase { .sharedInThisProcess }
}

/// The suite on an opened backend: stores with each case's clock, sharing the backend's connections and data;
/// the backend's own ``StoredDataCorrupting`` ability, when it has one, for the corrupted-data cases.
///
/// Cases run in parallel as they come (the cases that need the database to themselves alone, see ``database``):
///
/// ```swift
/// @Test(arguments: ConformanceSuite.cases)
/// func conformance(_ testCase: ConformanceCase) async throws {
///     let outcome = await ConformanceSuite.run(testCase, on: BackendHarness(try await SharedAcme.backend()))
///     if case .failed(let message, _) = outcome { Issue.record("\(testCase.name): \(message)") }
/// }
/// ```
public struct BackendHarness: ConformanceHarness {
    /// The backend under test.
    public let backend: any IdentityStorageBackend
    public let backendName: String
    /// The data the backend reaches. Default: ``ConformanceDatabase/sharedInThisProcess``, since a backend opened
    /// per case or a second one on the same database cannot be told apart from a backend of data of its own.
    public let database: ConformanceDatabase

    /// A harness over `backend`, named `name` in messages.
    public init(_ backend: any IdentityStorageBackend, name: String = "backend", database: ConformanceDatabase = .sharedInThisProcess) {
        self.backend = backend
        self.backendName = name
        self.database = database
    }

    /// A harness over a store opened by a `StoreOpener`, named by its URL's scheme.
    public init(_ store: OpenedStore, database: ConformanceDatabase = .sharedInThisProcess) {
        self.init(store.backend, name: store.url.scheme, database: database)
    }

    public func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        backend.makeStores(clock: clock)
    }

    public func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        backend as? any StoredDataCorrupting
    }
}
