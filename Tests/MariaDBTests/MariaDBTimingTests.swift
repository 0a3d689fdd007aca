import CMariaDB
import Foundation
import IdentityStorage
@_spi(Testing) import IdentityStorageMariaDB
import Synchronization
import ServerTestSupport
import Testing

/// Grant get by key through the adapter, sequentially and with 16 concurrent callers, beside the raw
/// libmariadb prepared-statement primary-key SELECT on the same server in the same run. Prints the
/// figures; asserts nothing about them (timings on shared machines are noise).
@Suite("MariaDB timing")
struct MariaDBTimingTests {
    static let grantCount = 1_000
    static let sequentialGets = 2_000
    static let concurrentCallers = 16
    static let getsPerCaller = 500
    static let rounds = 3

    @Test func grantGetByKeyBesideRawLibmariadb() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.shared.exclusive {
            try await MariaDBTestServer.withScratchDatabase(base, "timing") { configuration in
                let storage = try await MariaDBIdentityStorage.open(configuration)
                let stores = storage.makeStores()
                let data = String(repeating: "x", count: 400)
                let keys = (0..<Self.grantCount).map { "timing-grant-\($0)" }
                for key in keys {
                    try await stores.grants.storeGrant(PersistedGrant(key: key, type: "refresh_token", subjectId: "sub", clientId: "client",
                                                                      creationTime: Date(), expiration: Date().addingTimeInterval(3600), data: data))
                }
                // Warm up every pooled connection and its prepared statement.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for caller in 0..<Self.concurrentCallers {
                        group.addTask { for index in 0..<50 { _ = try await stores.grants.grant(forKey: keys[(caller * 50 + index) % keys.count]) } }
                    }
                    try await group.waitForAll()
                }

                var adapterSequential: [Double] = []
                var adapterConcurrent: [Double] = []
                var rawSequential: [Double] = []
                var rawConcurrent: [Double] = []
                let raw = RawMariaDB(configuration: configuration)
                for _ in 0..<Self.rounds {
                    // Adapter, one caller.
                    var start = ContinuousClock.now
                    for index in 0..<Self.sequentialGets {
                        guard try await stores.grants.grant(forKey: keys[index % keys.count]) != nil else { throw TimingFailure("missing grant") }
                    }
                    adapterSequential.append(Self.microseconds(ContinuousClock.now - start) / Double(Self.sequentialGets))

                    // Adapter, 16 concurrent callers.
                    start = ContinuousClock.now
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for caller in 0..<Self.concurrentCallers {
                            group.addTask {
                                for index in 0..<Self.getsPerCaller {
                                    _ = try await stores.grants.grant(forKey: keys[(caller * 61 + index) % keys.count])
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let total = Double(Self.concurrentCallers * Self.getsPerCaller)
                    adapterConcurrent.append(total / (Self.microseconds(ContinuousClock.now - start) / 1_000_000))

                    // Raw libmariadb: one thread, one connection; then one thread per pool connection.
                    rawSequential.append(try await raw.sequential(keys: keys, gets: Self.sequentialGets))
                    rawConcurrent.append(try await raw.concurrent(keys: keys, threads: configuration.poolSize,
                                                                  getsPerThread: Self.concurrentCallers * Self.getsPerCaller / configuration.poolSize))
                }
                let lines = [
                    "MariaDB timing (\(Self.rounds) rounds, median; server \(configuration.host):\(configuration.port), pool \(configuration.poolSize)):",
                    String(format: "  adapter grant get by key, sequential:            %7.1f µs/op (%6.0f ops/s)",
                           Self.median(adapterSequential), 1_000_000 / Self.median(adapterSequential)),
                    String(format: "  raw libmariadb prepared PK SELECT, sequential:   %7.1f µs/op (%6.0f ops/s)",
                           Self.median(rawSequential), 1_000_000 / Self.median(rawSequential)),
                    String(format: "  adapter grant get by key, %d concurrent callers: %7.0f ops/s", Self.concurrentCallers, Self.median(adapterConcurrent)),
                    String(format: "  raw libmariadb, %d threads x own connection:      %7.0f ops/s", configuration.poolSize, Self.median(rawConcurrent)),
                    String(format: "  ratios: sequential %.2fx raw latency; concurrent %.2fx raw throughput",
                           Self.median(adapterSequential) / Self.median(rawSequential), Self.median(adapterConcurrent) / Self.median(rawConcurrent)),
                ]
                print(lines.joined(separator: "\n"))
                await storage.close()
            }
        }
    }

    static func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000_000 + Double(duration.components.attoseconds) / 1_000_000_000_000
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}

struct TimingFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The baseline: libmariadb used directly, a prepared primary-key SELECT of the same row on plain threads.
struct RawMariaDB: Sendable {
    let configuration: MariaDBIdentityStorage.Configuration

    /// µs per get on one connection, one thread.
    func sequential(keys: [String], gets: Int) async throws -> Double {
        try await onThread {
            let connection = try RawConnection(configuration)
            for index in 0..<200 { try connection.get(keys[index % keys.count]) }
            let start = ContinuousClock.now
            for index in 0..<gets { try connection.get(keys[index % keys.count]) }
            return MariaDBTimingTests.microseconds(ContinuousClock.now - start) / Double(gets)
        }
    }

    /// Gets per second with `threads` threads, each on its own connection (connected and warmed up
    /// before the clock starts).
    func concurrent(keys: [String], threads: Int, getsPerThread: Int) async throws -> Double {
        let barrier = StartBarrier()
        let task = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for thread in 0..<threads {
                    group.addTask {
                        try await onThread {
                            let connection = try RawConnection(configuration)
                            for index in 0..<50 { try connection.get(keys[index % keys.count]) }
                            barrier.ready.add(1, ordering: .releasing)
                            while !barrier.started.load(ordering: .acquiring) { usleep(50) }
                            for index in 0..<getsPerThread { try connection.get(keys[(thread * 61 + index) % keys.count]) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        while barrier.ready.load(ordering: .acquiring) < threads { try await Task.sleep(for: .milliseconds(1)) }
        let start = ContinuousClock.now
        barrier.started.store(true, ordering: .releasing)
        try await task.value
        return Double(threads * getsPerThread) / (MariaDBTimingTests.microseconds(ContinuousClock.now - start) / 1_000_000)
    }

    /// Runs `body` on a new thread (blocking C calls stay off the cooperative pool, as in the adapter).
    private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

/// Threads report ready, then all start together.
final class StartBarrier: Sendable {
    let ready = Atomic<Int>(0)
    let started = Atomic<Bool>(false)
}

/// One raw connection with one prepared statement and fixed bind buffers.
final class RawConnection {
    private let mysql: UnsafeMutablePointer<MYSQL>
    private let statement: UnsafeMutablePointer<MYSQL_STMT>
    private let parameter = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: 1)
    private let keyBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    private let keyLength = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
    private let results = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: 10)
    private let buffers = (0..<10).map { _ in UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 8) }
    private let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: 10)
    private let nulls = UnsafeMutablePointer<my_bool>.allocate(capacity: 10)

    init(_ configuration: MariaDBIdentityStorage.Configuration) throws {
        guard let mysql = mysql_init(nil) else { throw TimingFailure("mysql_init") }
        self.mysql = mysql
        var protocolTCP = MYSQL_PROTOCOL_TCP.rawValue
        mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocolTCP)
        guard mysql_real_connect(mysql, configuration.host, configuration.user, configuration.password, configuration.database,
                                 UInt32(configuration.port), nil, 0) != nil else {
            throw TimingFailure("connect: \(String(cString: mysql_error(mysql)))")
        }
        _ = mysql_query(mysql, "SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin")
        statement = mysql_stmt_init(mysql)!
        let sql = "SELECT `key`, type, subject_id, session_id, client_id, description, creation_time, expiration, consumed_time, data "
            + "FROM persisted_grants WHERE `key` = ?"
        guard mysql_stmt_prepare(statement, sql, UInt(sql.utf8.count)) == 0 else { throw TimingFailure("prepare") }
        parameter.initialize(to: MYSQL_BIND())
        parameter.pointee.buffer_type = MYSQL_TYPE_STRING
        parameter.pointee.buffer = UnsafeMutableRawPointer(keyBuffer)
        parameter.pointee.buffer_length = 256
        parameter.pointee.length = keyLength
        results.initialize(repeating: MYSQL_BIND(), count: 10)
        for column in 0..<10 {
            results[column].buffer_type = [6, 7, 8].contains(column) ? MYSQL_TYPE_LONGLONG : MYSQL_TYPE_STRING
            results[column].buffer = buffers[column]
            results[column].buffer_length = 1024
            results[column].length = lengths + column
            results[column].is_null = nulls + column
        }
        guard mysql_stmt_bind_result(statement, results) == 0 else { throw TimingFailure("bind result") }
    }

    deinit {
        mysql_stmt_close(statement)
        mysql_close(mysql)
        parameter.deallocate()
        keyBuffer.deallocate()
        keyLength.deallocate()
        results.deallocate()
        for buffer in buffers { buffer.deallocate() }
        lengths.deallocate()
        nulls.deallocate()
    }

    /// Executes the SELECT for `key` and fetches its row, reading the key back as a check.
    func get(_ key: String) throws {
        var key = key
        let count = key.withUTF8 { bytes in
            UnsafeMutableRawPointer(keyBuffer).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            return bytes.count
        }
        keyLength.pointee = UInt(count)
        guard mysql_stmt_bind_param(statement, parameter) == 0, mysql_stmt_execute(statement) == 0 else {
            throw TimingFailure("execute: \(String(cString: mysql_stmt_error(statement)))")
        }
        var rows = 0
        while true {
            let code = mysql_stmt_fetch(statement)
            if code == MYSQL_NO_DATA { break }
            guard code == 0 || code == MYSQL_DATA_TRUNCATED else { throw TimingFailure("fetch") }
            rows += 1
        }
        guard rows == 1, Int(lengths[0]) == count else { throw TimingFailure("expected one row for \(key)") }
    }
}
