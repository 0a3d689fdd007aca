import Foundation

/// A readers-writer gate over one test server: ordinary tests hold it shared; fault tests that kill connections, stop
/// or restart the server, or change its global settings hold it exclusively, so such a test never lands in the
/// middle of another.
///
/// Readers go first: a writer waits until no test holds the gate shared, and tests arriving meanwhile do not wait for
/// it. The other way round (writers first), every test arriving while a fault test waited was held until the tests
/// already inside had finished, and those include whole conformance runs through `idstore check` that last minutes on
/// a loaded machine: tests stalled for 300 s behind a writer that had not even started, past their time limits. The
/// few writers are fault tests with no time limit of their own that counts the wait; they run when the server is
/// free, at the latest once the readers are done. Each server has a gate of its own (a MariaDB restart never stops
/// PostgreSQL's tests), and conformance cases that need their database to themselves are kept apart by the suite itself
/// (`ConformanceSuite.run`), never by a server's gate. A wait longer than ``reportedWait`` is printed (once per holder) with the exclusive
/// holders that ran meanwhile, so a slow run names what it waited for.
public actor ServerGate {
    /// The gate of the PostgreSQL test server.
    public static let postgres = ServerGate("postgres")
    /// The gate of the MariaDB test server.
    public static let mariadb = ServerGate("mariadb")
    /// The gate of the standalone Redis test server.
    public static let redis = ServerGate("redis")
    /// The gate of the Redis Cluster test servers.
    public static let redisCluster = ServerGate("redis-cluster")

    /// Waits at least this long are printed.
    public static let reportedWait = Duration.seconds(20)

    private let name: String
    private var readers = 0
    private var writing = false
    private var waitingWriters: [CheckedContinuation<Void, Never>] = []
    private var waitingReaders: [CheckedContinuation<Void, Never>] = []
    /// The exclusive holders so far, in order, with when each took the gate and let it go (nil while it holds it).
    private var exclusiveHolders: [(holder: String, from: ContinuousClock.Instant, until: ContinuousClock.Instant?)] = []
    /// The holders whose long wait was printed: once each (the suite's hundreds of cases share one).
    private var reported: Set<String> = []

    /// A gate named `name` in what it prints.
    public init(_ name: String) {
        self.name = name
    }

    /// Runs `body` while holding the gate shared.
    public nonisolated func shared<T: Sendable>(holder: String = #function, _ body: () async throws -> T) async rethrows -> T {
        await acquireShared(holder)
        do {
            let result = try await body()
            await releaseShared()
            return result
        } catch {
            await releaseShared()
            throw error
        }
    }

    /// Runs `body` while holding the gate exclusively.
    public nonisolated func exclusive<T: Sendable>(holder: String = #function, _ body: () async throws -> T) async rethrows -> T {
        await acquireExclusive(holder)
        do {
            let result = try await body()
            await releaseExclusive()
            return result
        } catch {
            await releaseExclusive()
            throw error
        }
    }

    private func acquireShared(_ holder: String) async {
        if !writing {
            readers += 1
            return
        }
        let since = ContinuousClock.now
        await withCheckedContinuation { waitingReaders.append($0) }
        reportWait(of: holder, since: since)
    }

    private func releaseShared() {
        readers -= 1
        wakeUp()
    }

    private func acquireExclusive(_ holder: String) async {
        let since = ContinuousClock.now
        if writing || readers > 0 {
            await withCheckedContinuation { waitingWriters.append($0) }
            reportWait(of: holder, since: since)
        } else {
            writing = true
        }
        exclusiveHolders.append((holder, .now, nil))
    }

    private func releaseExclusive() {
        writing = false
        if let last = exclusiveHolders.indices.last { exclusiveHolders[last].until = .now }
        wakeUp()
    }

    private func wakeUp() {
        guard !writing else { return }
        if !waitingReaders.isEmpty {
            readers += waitingReaders.count
            for reader in waitingReaders { reader.resume() }
            waitingReaders.removeAll()
        } else if readers == 0, !waitingWriters.isEmpty {
            writing = true
            waitingWriters.removeFirst().resume()
        }
    }

    private func reportWait(of holder: String, since: ContinuousClock.Instant) {
        let waited = ContinuousClock.now - since
        guard waited >= Self.reportedWait, reported.insert(holder).inserted else { return }
        let during = exclusiveHolders.filter { ($0.until ?? .now) > since }
            .map { "\($0.holder) (\(Self.seconds(($0.until ?? .now) - $0.from)))" }
        print("ServerGate(\(name)): \(holder) waited \(Self.seconds(waited)) for the gate; "
              + "held exclusively meanwhile by: \(during.isEmpty ? "nobody (readers ahead of a writer)" : during.joined(separator: ", "))")
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

extension ServerGate {
    /// The gate of the test server a store URL points at (by its scheme), or nil for an embedded store.
    public static func of(store url: String) -> ServerGate? {
        switch url.prefix(while: { $0 != ":" }).lowercased() {
        case "postgres", "postgresql": .postgres
        case "mariadb", "mysql": .mariadb
        case "redis": .redis
        case "redis-cluster": .redisCluster
        default: nil
        }
    }

    /// Runs `body` holding the gate of `url`'s server shared, if it has one: the fault tests that stop and restart
    /// servers then wait for it.
    public static func sharing<T: Sendable>(store url: String, holder: String = #function, _ body: () async throws -> T) async rethrows -> T {
        guard let gate = of(store: url) else { return try await body() }
        return try await gate.shared(holder: holder, body)
    }
}
