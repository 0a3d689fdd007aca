/// A readers-writer gate over one test server: conformance cases and ordinary tests hold it shared; fault tests
/// that kill connections, stop or restart the server, or change its global settings hold it exclusively, so such
/// a test never lands in the middle of another. Waiting writers go first.
public actor ServerGate {
    /// The gate of the PostgreSQL and MariaDB test servers.
    public static let shared = ServerGate()
    /// The gate of the standalone Redis test server.
    public static let redis = ServerGate()
    /// The gate of the Redis Cluster test servers.
    public static let redisCluster = ServerGate()

    private var readers = 0
    private var writing = false
    private var waitingWriters: [CheckedContinuation<Void, Never>] = []
    private var waitingReaders: [CheckedContinuation<Void, Never>] = []

    public init() {}

    /// Runs `body` while holding the gate shared.
    public nonisolated func shared<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquireShared()
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
    public nonisolated func exclusive<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquireExclusive()
        do {
            let result = try await body()
            await releaseExclusive()
            return result
        } catch {
            await releaseExclusive()
            throw error
        }
    }

    private func acquireShared() async {
        if !writing && waitingWriters.isEmpty {
            readers += 1
            return
        }
        await withCheckedContinuation { waitingReaders.append($0) }
    }

    private func releaseShared() {
        readers -= 1
        wakeUp()
    }

    private func acquireExclusive() async {
        if !writing && readers == 0 {
            writing = true
            return
        }
        await withCheckedContinuation { waitingWriters.append($0) }
    }

    private func releaseExclusive() {
        writing = false
        wakeUp()
    }

    private func wakeUp() {
        guard !writing else { return }
        if readers == 0, !waitingWriters.isEmpty {
            writing = true
            waitingWriters.removeFirst().resume()
            return
        }
        if waitingWriters.isEmpty {
            readers += waitingReaders.count
            for reader in waitingReaders { reader.resume() }
            waitingReaders.removeAll()
        }
    }
}

extension ServerGate {
    /// The gate of the test server a store URL points at (by its scheme), or nil for an embedded store.
    public static func of(store url: String) -> ServerGate? {
        switch url.prefix(while: { $0 != ":" }).lowercased() {
        case "postgres", "postgresql", "mariadb", "mysql": .shared
        case "redis": .redis
        case "redis-cluster": .redisCluster
        default: nil
        }
    }

    /// Runs `body` holding the gate of `url`'s server shared, if it has one: the fault tests that stop and restart
    /// servers then wait for it.
    public static func sharing<T: Sendable>(store url: String, _ body: () async throws -> T) async rethrows -> T {
        guard let gate = of(store: url) else { return try await body() }
        return try await gate.shared(body)
    }
}
