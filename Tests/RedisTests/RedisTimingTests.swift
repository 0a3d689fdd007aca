import Foundation
import IdentityStorage
@_spi(Testing) import IdentityStorageRedis
import ServerTestSupport
import Testing

/// Figures for the report, printed, never asserted: grant get by key and cache get, sequential and with 16
/// concurrent callers, beside raw hiredis GETs (plain threads, a connection each) against the same server in the same run.
@Suite("Redis timing", .serialized)
struct RedisTimingTests {
    static let sequential = 2000
    static let callers = 16
    static let perCaller = 250
    #if DEBUG
    static let buildKind = "debug"
    #else
    static let buildKind = "release"
    #endif

    @Test("grant get and cache get beside raw hiredis GET", arguments: RedisKind.allCases)
    func timing(_ kind: RedisKind) async throws {
        guard await RedisServers.shared.storage(kind) != nil else { return }
        // Both servers quiet: no other Redis test runs meanwhile (the gates are always taken in this order).
        try await ServerGate.standalone.exclusive { try await ServerGate.cluster.exclusive {
            var lines: [String] = []
            for poolSize in [4, 16] {
                let storage = try await RedisIdentityStorage.open(try kind.configuration(prefix: "idstore-timing:", clientName: "idstore-timing",
                                                                                          poolSize: poolSize))
                let stores = storage.makeStores()
                let data = String(repeating: "x", count: 300)
                let grant = PersistedGrant(key: "timing-grant-0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567", type: "refresh_token",
                                           subjectId: "timing-subject", sessionId: "timing-session", clientId: "timing-client",
                                           creationTime: Date().roundedToStoragePrecision, expiration: Date().addingTimeInterval(3600).roundedToStoragePrecision,
                                           data: data)
                try await stores.grants.storeGrant(grant)
                try await stores.cache.set("timing-cache", value: Array(data.utf8), options: .sliding(3600))
                // The raw key goes to the node that serves it (its slot's master in a cluster).
                let rawKey = "idstore-timing-raw"
                let rawPort = try await rawNode(for: rawKey, kind: kind, storage: storage)
                let setter = try #require(RawRedis(port: rawPort))
                #expect(setter.command(["SET", rawKey, data]) == .text("OK"))

                let grants = stores.grants, cache = stores.cache, key = grant.key
                // Warm up every connection and the scripts.
                _ = try await concurrent(callers: Self.callers, each: 20) { _ = try await grants.grant(forKey: key) }
                _ = try await concurrent(callers: Self.callers, each: 20) { _ = try await cache.get("timing-cache") }
                _ = await rawConcurrent(port: rawPort, key: rawKey, threads: Self.callers, each: 20)

                var rows: [String: [Double]] = [:]
                for _ in 0..<3 {
                    rows["grant get, sequential (µs/op)", default: []].append(try await sequential(Self.sequential) { _ = try await grants.grant(forKey: key) })
                    rows["cache get, sequential (µs/op)", default: []].append(try await sequential(Self.sequential) { _ = try await cache.get("timing-cache") })
                    rows["raw hiredis GET, sequential (µs/op)", default: []].append(await rawSequential(port: rawPort, key: rawKey, count: Self.sequential))
                    rows["grant get, 16 callers (ops/s)", default: []].append(try await concurrent(callers: Self.callers, each: Self.perCaller) {
                        _ = try await grants.grant(forKey: key)
                    })
                    rows["cache get, 16 callers (ops/s)", default: []].append(try await concurrent(callers: Self.callers, each: Self.perCaller) {
                        _ = try await cache.get("timing-cache")
                    })
                    rows["raw hiredis GET, 16 threads (ops/s)", default: []].append(await rawConcurrent(port: rawPort, key: rawKey, threads: Self.callers,
                                                                                                        each: Self.perCaller))
                }
                lines.append("Redis \(kind.rawValue), pool \(poolSize) per node (median of 3; \(Self.buildKind) build):")
                for name in ["grant get, sequential (µs/op)", "cache get, sequential (µs/op)", "raw hiredis GET, sequential (µs/op)",
                             "grant get, 16 callers (ops/s)", "cache get, 16 callers (ops/s)", "raw hiredis GET, 16 threads (ops/s)"] {
                    let values = rows[name]!.sorted()
                    lines.append("  \(name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%9.1f", values[1]))   (runs: \(rows[name]!.map { String(format: "%.1f", $0) }.joined(separator: ", ")))")
                }
                await storage.close()
            }
            print("RedisTests timing\n" + lines.joined(separator: "\n"))
        } }
    }

    /// µs per call of `count` calls one after another.
    private func sequential(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
        let started = ContinuousClock.now
        for _ in 0..<count { try await body() }
        return seconds(ContinuousClock.now - started) * 1e6 / Double(count)
    }

    /// Calls per second of `callers` tasks making `each` calls.
    private func concurrent(callers: Int, each: Int, _ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<callers {
                group.addTask { for _ in 0..<each { try await body() } }
            }
            try await group.waitForAll()
        }
        return Double(callers * each) / seconds(ContinuousClock.now - started)
    }

    /// µs per raw GET on a plain thread with its own connection.
    private func rawSequential(port: Int, key: String, count: Int) async -> Double {
        await withCheckedContinuation { continuation in
            Thread {
                let connection = RawRedis(port: port)!
                continuation.resume(returning: connection.timeGets(key, count: count) * 1e6 / Double(count))
            }.start()
        }
    }

    /// Raw GETs per second of `threads` plain threads, a connection each.
    private func rawConcurrent(port: Int, key: String, threads: Int, each: Int) async -> Double {
        await withCheckedContinuation { continuation in
            Thread {
                // Each thread connects first; all start together.
                let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
                let group = DispatchGroup()
                for _ in 0..<threads {
                    group.enter()
                    Thread {
                        let connection = RawRedis(port: port)!
                        ready.signal()
                        go.wait()
                        _ = connection.timeGets(key, count: each)
                        group.leave()
                    }.start()
                }
                for _ in 0..<threads { ready.wait() }
                let started = ContinuousClock.now
                for _ in 0..<threads { go.signal() }
                group.wait()
                let elapsed = ContinuousClock.now - started
                continuation.resume(returning: Double(threads * each) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            }.start()
        }
    }

    /// The port of the node serving `key` (a `MOVED` reply names it).
    private func rawNode(for key: String, kind: RedisKind, storage: RedisIdentityStorage) async throws -> Int {
        let first = try kind.address.endpoints[0].port
        guard kind == .cluster, let probe = RawRedis(port: first) else { return first }
        if case .error(let message)? = probe.command(["GET", key]), message.hasPrefix("MOVED"),
           let port = message.split(separator: ":").last.flatMap({ Int($0) }) {
            return port
        }
        return first
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
