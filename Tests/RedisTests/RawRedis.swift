import CHiredis
import Foundation
import ServerTestSupport
import IdentityStorage

/// A plain hiredis connection, outside the adapter: for administering the test servers (CLIENT KILL,
/// SHUTDOWN, CLUSTER NODES) and for the raw GET baseline of the timing test. Used by one thread at a time.
final class RawRedis {
    enum Reply: Equatable {
        case text(String)
        case integer(Int64)
        case array([Reply])
        case null
        case error(String)

        var text: String? {
            if case .text(let value) = self { return value }
            return nil
        }
    }

    private let context: UnsafeMutablePointer<redisContext>
    let port: Int

    init?(host: String = "127.0.0.1", port: Int, timeout: TimeInterval = 3) {
        let tv = timeval(tv_sec: .init(Int(timeout)), tv_usec: 0)
        guard let context = redisConnectWithTimeout(host, Int32(port), tv) else { return nil }
        if context.pointee.err != 0 {
            redisFree(context)
            return nil
        }
        redisSetTimeout(context, tv)
        self.context = context
        self.port = port
    }

    deinit { redisFree(context) }

    /// Sends a command; nil when the connection broke (e.g. after SHUTDOWN).
    @discardableResult
    func command(_ arguments: [String]) -> Reply? {
        var lengths = arguments.map { $0.utf8.count }
        let copies = arguments.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers = copies.map { UnsafePointer<CChar>($0) }
        let raw = pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeMutableBufferPointer { argvlen in
                redisCommandArgv(context, Int32(arguments.count), argv.baseAddress, argvlen.baseAddress)
            }
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func convert(_ reply: UnsafePointer<redisReply>) -> Reply {
        let r = reply.pointee
        func string() -> String {
            guard let str = r.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: str, count: r.len), as: UTF8.self)
        }
        switch r.type {
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS: return .text(string())
        case REDIS_REPLY_INTEGER: return .integer(r.integer)
        case REDIS_REPLY_ERROR: return .error(string())
        case REDIS_REPLY_ARRAY: return .array((0..<r.elements).map { convert(r.element[$0]!) })
        default: return .null
        }
    }

    /// The raw baseline: `count` GETs of `key`, one after another; returns the seconds taken.
    func timeGets(_ key: String, count: Int) -> Double {
        let started = ContinuousClock.now
        for _ in 0..<count { _ = command(["GET", key]) }
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Administration of the test servers.
enum RedisAdmin {
    /// A progress line on standard error (unbuffered), for following slow fault tests.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data("RedisTests: \(text)\n".utf8))
    }

    /// Kills every client connection named `name` on each port; returns how many were killed.
    static func killClients(named name: String, ports: [Int]) -> Int {
        var killed = 0
        for port in ports {
            guard let admin = RawRedis(port: port), let list = admin.command(["CLIENT", "LIST"])?.text else { continue }
            for line in list.split(separator: "\n") {
                let fields = Dictionary(line.split(separator: " ").compactMap { field -> (String, String)? in
                    let parts = field.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                }, uniquingKeysWith: { first, _ in first })
                guard fields["name"] == name, let id = fields["id"] else { continue }
                if admin.command(["CLIENT", "KILL", "ID", id]) == .integer(1) { killed += 1 }
            }
        }
        return killed
    }

    /// `SHUTDOWN NOSAVE` (waits for replicas to catch up, then exits).
    static func shutdown(port: Int) {
        RawRedis(port: port)?.command(["SHUTDOWN", "NOSAVE"])
    }

    static func ping(port: Int) -> Bool {
        RawRedis(port: port, timeout: 1)?.command(["PING"]) == .text("PONG")
    }

    /// `cluster_state:ok` on this node.
    static func clusterStateOK(port: Int) -> Bool {
        RawRedis(port: port, timeout: 1)?.command(["CLUSTER", "INFO"])?.text?.contains("cluster_state:ok") ?? false
    }

    /// Ports of the masters that serve slots, as this node sees them (`CLUSTER NODES`).
    static func masters(askingPort port: Int) -> [Int] {
        guard let nodes = RawRedis(port: port)?.command(["CLUSTER", "NODES"])?.text else { return [] }
        return nodes.split(separator: "\n").compactMap { line -> Int? in
            let fields = line.split(separator: " ")
            guard fields.count >= 9, fields[2].contains("master"), !fields[2].contains("fail") else { return nil }
            let address = fields[1].split(separator: "@")[0]
            return address.split(separator: ":").last.flatMap { Int($0) }
        }
    }

    /// The port of the master serving `slot`, as this node sees it (`CLUSTER NODES`).
    static func master(ofSlot slot: Int, askingPort port: Int) -> Int? {
        guard let nodes = RawRedis(port: port)?.command(["CLUSTER", "NODES"])?.text else { return nil }
        for line in nodes.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 9, fields[2].contains("master"), !fields[2].contains("fail") else { continue }
            let serves = fields[8...].contains { range in
                let bounds = range.split(separator: "-").compactMap { Int($0) }
                return bounds.count == 2 ? (bounds[0]...bounds[1]).contains(slot) : bounds.first == slot
            }
            if serves { return fields[1].split(separator: "@")[0].split(separator: ":").last.flatMap { Int($0) } }
        }
        return nil
    }

    /// The role (`master`/`slave`) of the node on `port`.
    static func role(port: Int) -> String? {
        guard case .array(let items)? = RawRedis(port: port, timeout: 1)?.command(["ROLE"]) else { return nil }
        return items.first?.text
    }

    /// Runs a shell command from the package root; returns its exit status and output (read from a file: see
    /// ``spawnAndWait(_:environment:output:)``).
    static func shell(_ script: String, environment: [String: String] = [:]) -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-redis-test-\(UUID().uuidString).log").path
        defer { unlink(log) }
        let status = spawnAndWait(["/bin/bash", "-c", "cd '\(PackagePaths.root.path)' && { \(script) ; }"], environment: environment, output: log)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// ``shell(_:environment:)`` on a thread of its own, so the wait does not hold a cooperative thread.
    static func shellAsync(_ script: String, environment: [String: String] = [:]) async -> (status: Int32, output: String) {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: shell(script, environment: environment)) }.start()
        }
    }

    /// Polls `condition` every 250 ms for up to `seconds`.
    static func wait(upTo seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return await condition()
    }
}

extension RedisAdmin {
    /// The process id of the server on `port` (`INFO server`).
    static func processID(port: Int) -> pid_t? {
        guard let info = RawRedis(port: port, timeout: 1)?.command(["INFO", "server"])?.text,
              let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("process_id:") }) else { return nil }
        return pid_t(line.dropFirst("process_id:".count))
    }
}
