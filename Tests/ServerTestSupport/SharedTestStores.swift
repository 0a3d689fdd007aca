import IdentityStorage
import IdentityStorageOpener

/// One store per backend that the tests of a suite share, each opened (and migrated) once: a file, schema, database
/// or key prefix named after the suite, that other suites never touch. Tests keep out of each other's way by their
/// keys. The opening `Task` is kept, so tests asking at once never open a backend twice.
public actor SharedTestStores {
    private let name: String
    private let scratch: Scratch
    private var opening: [TestBackend: Task<OpenedStore?, any Error>] = [:]
    private var urls: [TestBackend: String] = [:]

    /// Stores named `name` (letters, digits, `_`).
    public init(name: String) throws {
        self.name = name
        scratch = try Scratch()
    }

    /// The backend's shared store; nil when its server does not answer (under `CI=true`, a recorded failure).
    public func store(_ backend: TestBackend, test: String = #function) async throws -> OpenedStore? {
        if let opening = opening[backend] { return try await opening.value }
        // No await between the check above and keeping the task below: the actor would be re-entered there, and
        // callers asking at once would each open a store of their own.
        let task = Task<OpenedStore?, any Error> {
            let url = try await self.url(backend)
            guard await TestBackend.answers(url, test) else { return nil }
            return try await ServerGate.sharing(store: url) { try await StoreOpener.builtIn.open(url: url) }
        }
        opening[backend] = task
        return try await task.value
    }

    /// The URL of the backend's shared store, with its password, for code that opens it by URL itself.
    public func url(_ backend: TestBackend) async throws -> String {
        if let url = urls[backend] { return url }
        let url = try await backend.privateStore(name, in: scratch)
        urls[backend] = url
        return url
    }

    /// Runs `body` with what a second application instance opens on the same data: the same URL opened again and
    /// closed afterwards, or for `memory:`, whose data lives in its one store, that store. Nil when the server does
    /// not answer.
    public func withSecondStore<T: Sendable>(_ backend: TestBackend, test: String = #function,
                                             _ body: @Sendable (OpenedStore) async throws -> T) async throws -> T? {
        guard let first = try await store(backend, test: test) else { return nil }
        if backend == .memory { return try await body(first) }
        let url = try await url(backend)
        let second = try await ServerGate.sharing(store: url) { try await StoreOpener.builtIn.open(url: url) }
        do {
            let result = try await body(second)
            await second.close()
            return result
        } catch {
            await second.close()
            throw error
        }
    }
}

/// A name no other test or run uses, for keys, schemas, databases and private stores: letters, digits and `_`.
public func uniqueName(_ prefix: String) -> String {
    prefix + "_" + String(UInt64.random(in: 0 ... .max), radix: 36)
}

/// Time since it was made: tells a short-lived value that expired because a loaded machine was slow from one that
/// expired too early, so tests assert "still there" only when too little time has passed for it to be gone.
public struct Stopwatch: Sendable {
    private let start = ContinuousClock.now

    public init() {}

    /// Time since the stopwatch was made.
    public var elapsed: Duration { .now - start }

    /// Whether less than `duration` has passed.
    public func isWithin(_ duration: Duration) -> Bool { elapsed < duration }

    /// Whole milliseconds since the stopwatch was made, rounded up.
    public var elapsedMilliseconds: Int {
        let (seconds, attoseconds) = elapsed.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1
    }
}
