import CLibPQ
import Foundation
import IdentityStorage
@_spi(Testing) import IdentityStoragePostgres
import Synchronization
import Testing

/// A simple timing of grant get by key, through the store and through raw libpq on the same server
/// in the same run. Prints the figures; asserts nothing about them (machines differ).
@Suite("PostgreSQL timing")
struct PostgresTimingTests {
    static let sequentialGets = 5_000
    static let concurrentCallers = 16
    static let concurrentGetsPerCaller = 1_000

    @Test(.timeLimit(.minutes(3)))
    func timingGrantGetByKeyPrintsFigures() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        // Alone on the server (no other test of this target runs meanwhile), so the figures are its own.
        try await withExclusiveServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_timing")
            let storage = opened.storage
            let stores = storage.makeStores()
            let keys = (0..<100).map { "timing-grant-\($0)" }
            for key in keys {
                try await stores.grants.storeGrant(PersistedGrant(key: key, type: "refresh_token", subjectId: "subject", sessionId: "session",
                                                                  clientId: "client", description: "a refresh token",
                                                                  creationTime: Date().roundedToStoragePrecision,
                                                                  expiration: Date().addingTimeInterval(3600).roundedToStoragePrecision,
                                                                  data: String(repeating: "x", count: 300)))
            }
            let sql = "SELECT key, type, subject_id, session_id, client_id, description, creation_time, expiration, consumed_time, data FROM \"\(opened.schema)\".persisted_grants WHERE key = $1"
            let conninfo = PostgresTestServer.url.replacingOccurrences(of: "postgres://", with: "postgresql://")
            let poolSize = storage.configuration.poolSize

            // Warm-up: every pooled connection prepares the statement; the raw side warms up in its own loops.
            try await concurrentGets(stores, keys, callers: poolSize * 2, each: 100)
            for key in keys { _ = try await stores.grants.grant(forKey: key) }

            var storeSequential: [Duration] = []
            var rawSequential: [Duration] = []
            var storeConcurrent: [Double] = []
            var rawConcurrent: [Double] = []
            var rawConcurrent16: [Double] = []
            for _ in 0..<3 {
                storeSequential.append(try await sequentialGets(stores, keys))
                rawSequential.append(try RawLibpq.sequential(conninfo: conninfo, sql: sql, keys: keys, count: Self.sequentialGets))
                storeConcurrent.append(try await concurrentGets(stores, keys, callers: Self.concurrentCallers, each: Self.concurrentGetsPerCaller))
                rawConcurrent.append(try RawLibpq.concurrent(conninfo: conninfo, sql: sql, keys: keys, threads: poolSize,
                                                             total: Self.concurrentCallers * Self.concurrentGetsPerCaller))
                rawConcurrent16.append(try RawLibpq.concurrent(conninfo: conninfo, sql: sql, keys: keys, threads: Self.concurrentCallers,
                                                               total: Self.concurrentCallers * Self.concurrentGetsPerCaller))
            }
            let storePerGet = median(storeSequential.map(\.microseconds)) / Double(Self.sequentialGets)
            let rawPerGet = median(rawSequential.map(\.microseconds)) / Double(Self.sequentialGets)
            let storeRate = median(storeConcurrent), rawRate = median(rawConcurrent), raw16Rate = median(rawConcurrent16)
            print("""
                PostgresTimingTests: grant get by key (PostgreSQL \(try await storage.executeRaw("SHOW server_version").first?.first.flatMap { $0 } ?? "?"), loopback), medians of 3 rounds:
                  sequential, \(Self.sequentialGets) gets:  store \(format(storePerGet)) µs/get (\(format(1e6 / storePerGet)) gets/s)  |  raw libpq PQexecPrepared \(format(rawPerGet)) µs/get (\(format(1e6 / rawPerGet)) gets/s)  |  store/raw \(format(storePerGet / rawPerGet, 2))×
                  \(Self.concurrentCallers) concurrent callers, \(Self.concurrentCallers * Self.concurrentGetsPerCaller) gets:  store (pool of \(poolSize)) \(format(storeRate)) gets/s  |  raw libpq, \(poolSize) threads × own connection \(format(rawRate)) gets/s (store/raw \(format(storeRate / rawRate, 2))×)  |  raw libpq, \(Self.concurrentCallers) threads × own connection \(format(raw16Rate)) gets/s
                """)
            try await opened.close()
        }
    }

    private func sequentialGets(_ stores: IdentityStores, _ keys: [String]) async throws -> Duration {
        let clock = ContinuousClock()
        return try await clock.measure {
            for index in 0..<Self.sequentialGets {
                guard try await stores.grants.grant(forKey: keys[index % keys.count]) != nil else {
                    throw IdentityStorageError(.notFound, "timing grant missing")
                }
            }
        }
    }

    @discardableResult
    private func concurrentGets(_ stores: IdentityStores, _ keys: [String], callers: Int, each: Int) async throws -> Double {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    for index in 0..<each {
                        guard try await stores.grants.grant(forKey: keys[(caller * 7 + index) % keys.count]) != nil else {
                            throw IdentityStorageError(.notFound, "timing grant missing")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(callers * each) / (ContinuousClock.now - started).seconds
    }
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

private func format(_ value: Double, _ decimals: Int = 0) -> String { String(format: "%.\(decimals)f", value) }

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var microseconds: Double { seconds * 1e6 }
}

/// The same SELECT through libpq directly: one prepared statement per connection, `PQexecPrepared` with
/// a text parameter and binary results (what the adapter asks for), on plain threads.
enum RawLibpq {
    static func sequential(conninfo: String, sql: String, keys: [String], count: Int) throws -> Duration {
        let connection = try connect(conninfo, sql)
        defer { PQfinish(connection) }
        for index in 0..<200 { try get(connection, keys[index % keys.count]) }
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for index in 0..<count { try get(connection, keys[index % keys.count]) }
        }
        return elapsed
    }

    /// `threads` threads, each on its own connection, `total` gets in all; returns gets per second.
    static func concurrent(conninfo: String, sql: String, keys: [String], threads: Int, total: Int) throws -> Double {
        let failures = Mutex<[String]>([])
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let each = total / threads
        for thread in 0..<threads {
            ready.enter()
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    let connection = try connect(conninfo, sql)
                    defer { PQfinish(connection) }
                    for index in 0..<50 { try get(connection, keys[index % keys.count]) }
                    ready.leave()
                    start.wait()
                    for index in 0..<each { try get(connection, keys[(thread * 7 + index) % keys.count]) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                    ready.leave()
                }
            }.start()
        }
        ready.wait()
        let started = ContinuousClock.now
        for _ in 0..<threads { start.signal() }
        done.wait()
        let elapsed = ContinuousClock.now - started
        if let failure = failures.withLock({ $0.first }) { throw IdentityStorageError(.unavailable, failure) }
        return Double(each * threads) / elapsed.seconds
    }

    private static func connect(_ conninfo: String, _ sql: String) throws -> OpaquePointer {
        guard let connection = PQconnectdb(conninfo), PQstatus(connection) == CONNECTION_OK else {
            throw IdentityStorageError(.unavailable, "raw libpq could not connect")
        }
        let prepared = PQprepare(connection, "get", sql, 1, nil)
        defer { PQclear(prepared) }
        guard PQresultStatus(prepared) == PGRES_COMMAND_OK else {
            PQfinish(connection)
            throw IdentityStorageError(.unavailable, "raw libpq could not prepare")
        }
        return connection
    }

    private static func get(_ connection: OpaquePointer, _ key: String) throws {
        let result = key.withCString { pointer -> OpaquePointer? in
            var values: [UnsafePointer<CChar>?] = [pointer]
            return PQexecPrepared(connection, "get", 1, &values, nil, nil, 1)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK, PQntuples(result) == 1 else {
            throw IdentityStorageError(.unavailable, "raw libpq get failed")
        }
    }
}
