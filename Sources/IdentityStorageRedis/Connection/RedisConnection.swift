import CHiredis
import Foundation
import IdentityStorage
import IdentityStorageBlockingPool

/// One host and port of a Redis server or cluster node.
package struct RedisEndpoint: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `host:port` (the form of `MOVED` replies), IPv6 hosts included.
    init?(parsing text: Substring) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        self.host = String(host)
        self.port = port
    }

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// What every connection of one storage needs to open. Holds the password: never printed.
package struct RedisConnectionSettings: Sendable {
    var user: String?
    var password: String?
    var database: Int
    var connectTimeout: Duration
    var commandTimeout: Duration
    var clientName: String?
}

extension RedisConnectionSettings: CustomReflectable {
    /// Reflection never shows the password.
    package var customMirror: Mirror { Mirror(self, children: ["user": user as Any, "database": database]) }
}

/// A command ready to send: its arguments (binary-safe), the hash slot it routes to in a cluster,
/// and, for `EVALSHA`, the script to fall back on when the server does not know it yet.
package struct RedisCommand: Sendable {
    var arguments: [[UInt8]]
    /// The cluster hash slot of the keys it touches; nil for keyless commands.
    package var slot: Int?
    var script: RedisScript?
    /// Whether the command only reads for its caller, so that a cancelled caller is answered at once and its reply
    /// dropped (Redis cannot stop a running command): nothing it did needs reporting. A read script may still tidy
    /// stale index members on its way. Every other command's caller waits for its outcome, cancelled or not.
    var isRead: Bool

    package init(_ arguments: [[UInt8]], slot: Int?) {
        self.arguments = arguments
        self.slot = slot
        self.script = nil
        self.isRead = arguments.first.map { Self.readCommands.contains(String(decoding: $0, as: UTF8.self).uppercased()) } ?? false
    }

    /// `EVALSHA sha numkeys keys… args…`, loaded with `EVAL` on `NOSCRIPT`. `isRead` overrides the script's own
    /// ``RedisScript/isRead``, for a script that reads or writes by its arguments.
    init(script: RedisScript, keys: [[UInt8]], arguments: [[UInt8]], slot: Int, isRead: Bool? = nil) {
        self.arguments = [Array("EVALSHA".utf8), Array(script.sha1.utf8), Array(String(keys.count).utf8)] + keys + arguments
        self.slot = slot
        self.script = script
        self.isRead = isRead ?? script.isRead
    }

    /// The plain commands the stores send that only read.
    private static let readCommands: Set<String> = ["GET", "MGET", "HGET", "HMGET", "HGETALL", "EXISTS", "SMEMBERS", "SCARD",
                                                    "ZRANGE", "ZRANGEBYSCORE", "ZSCORE", "ZCARD", "SCAN", "PTTL", "TTL"]

    /// The `EVAL` form of a script command.
    var evalForm: [[UInt8]]? {
        guard let script else { return nil }
        return [Array("EVAL".utf8), script.source] + arguments.dropFirst(2)
    }
}

/// A hiredis connection (`redisContext`). Not thread-safe: it lives on one pool thread and is only
/// touched inside `BlockingConnectionPool.withConnection`, which runs one job at a time on that thread.
package final class RedisConnection: BlockingConnection {
    let context: UnsafeMutablePointer<redisContext>
    let endpoint: RedisEndpoint
    /// Set once an I/O error (reset, EOF, timeout) left the context unusable; the pool then replaces it.
    private(set) var broken = false
    private let commandTimeout: Duration

    package init(endpoint: RedisEndpoint, settings: RedisConnectionSettings) throws(IdentityStorageError) {
        self.endpoint = endpoint
        self.commandTimeout = settings.commandTimeout
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), Self.interval(settings.connectTimeout)) else {
            throw IdentityStorageError(.unavailable, "could not allocate a Redis connection to \(endpoint)")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw IdentityStorageError(.unavailable, "could not connect to Redis at \(endpoint): \(message)",
                                       backendDetail: .init(backend: "redis", code: "connect", message: message))
        }
        self.context = context
        do throws(IdentityStorageError) {
            if redisSetTimeout(context, Self.interval(settings.commandTimeout)) != REDIS_OK {
                throw connectionFailure("setting the command timeout")
            }
            if let password = settings.password {
                var arguments = [Array("AUTH".utf8)]
                if let user = settings.user { arguments.append(Array(user.utf8)) }
                arguments.append(Array(password.utf8))
                if case .error(let message) = try execute(arguments) {
                    // The reply (WRONGPASS …) never contains the password; the arguments are never logged.
                    // A server still starting (LOADING …) is unavailable; a refused account is not.
                    guard RedisErrors.refusal(message) == .credentials || message.lowercased().contains("password") else {
                        throw IdentityStorageError(.unavailable, "Redis at \(endpoint) refused the credentials of user '\(settings.user ?? "default")'",
                                                   backendDetail: RedisErrors.detail(message))
                    }
                    throw RedisErrors.credentialsRefused(message, context: "connecting to Redis at \(endpoint)", user: settings.user)
                }
            }
            if settings.database != 0, case .error(let message) = try execute([Array("SELECT".utf8), Array(String(settings.database).utf8)]) {
                throw RedisErrors.permissionDenied(message, context: "selecting database \(settings.database) on Redis at \(endpoint)", command: nil,
                                                   user: settings.user)
                    ?? IdentityStorageError(.invalidArgument, "Redis at \(endpoint) refused database \(settings.database)",
                                            backendDetail: RedisErrors.detail(message))
            }
            if let name = settings.clientName, !name.isEmpty {
                _ = try execute([Array("CLIENT".utf8), Array("SETNAME".utf8), Array(name.utf8)])
            }
        } catch {
            redisFree(context)
            throw error
        }
    }

    package func isHealthy() -> Bool {
        guard !broken, let reply = try? execute([Array("PING".utf8)]) else { return false }
        return reply == .status("PONG")
    }

    package func close() {
        redisFree(context)
    }

    package func shouldDiscard(after error: IdentityStorageError) -> Bool { broken }

    /// Sends one command and returns its reply (error replies included). Throws `unavailable` when the
    /// connection broke (reset, EOF, timeout): the command may or may not have run.
    func execute(_ arguments: [[UInt8]]) throws(IdentityStorageError) -> RedisReply {
        try append(arguments)
        return try readReply()
    }

    /// Sends one command; an `EVALSHA` the server does not know is sent again as `EVAL`, which also caches it.
    package func execute(_ command: RedisCommand, asking: Bool = false) throws(IdentityStorageError) -> RedisReply {
        if asking {
            try append([Array("ASKING".utf8)])
            try append(command.arguments)
            _ = try readReply()
        } else {
            try append(command.arguments)
        }
        let reply = try readReply()
        if let eval = command.evalForm, reply.errorMessage?.hasPrefix("NOSCRIPT") == true {
            if asking { try append([Array("ASKING".utf8)]) }
            try append(eval)
            if asking { _ = try readReply() }
            return try readReply()
        }
        return reply
    }

    /// Sends every command before reading any reply (one round trip), then retries `NOSCRIPT` ones as `EVAL`.
    func pipeline(_ commands: [RedisCommand]) throws(IdentityStorageError) -> [RedisReply] {
        for command in commands { try append(command.arguments) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try readReply()) }
        for index in replies.indices {
            if let eval = commands[index].evalForm, replies[index].errorMessage?.hasPrefix("NOSCRIPT") == true {
                replies[index] = try execute(eval)
            }
        }
        return replies
    }

    func append(_ arguments: [[UInt8]]) throws(IdentityStorageError) {
        let count = arguments.count
        var lengths = [Int](repeating: 0, count: count)
        var total = 0
        for index in 0..<count {
            lengths[index] = arguments[index].count
            total += lengths[index]
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { storage.deallocate() }
        var pointers = [UnsafePointer<CChar>?](repeating: nil, count: count)
        var offset = 0
        for index in 0..<count {
            arguments[index].withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { (storage + offset).copyMemory(from: base, byteCount: bytes.count) }
            }
            pointers[index] = UnsafePointer((storage + offset).assumingMemoryBound(to: CChar.self))
            offset += lengths[index]
        }
        let status = pointers.withUnsafeMutableBufferPointer { pointerBuffer in
            lengths.withUnsafeBufferPointer { lengthBuffer in
                redisAppendCommandArgv(context, Int32(count), pointerBuffer.baseAddress, lengthBuffer.baseAddress)
            }
        }
        if status != REDIS_OK { throw connectionFailure("sending a command") }
    }

    private func readReply() throws(IdentityStorageError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw connectionFailure("reading a reply") }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    func connectionFailure(_ what: String) -> IdentityStorageError {
        broken = true
        let message = Self.errorText(context)
        let timedOut = message.contains("temporarily unavailable") || message.contains("timed out")
        let text = timedOut ? "no reply from Redis at \(endpoint) within \(commandTimeout) while \(what)"
                            : "the connection to Redis at \(endpoint) broke while \(what): \(message)"
        return IdentityStorageError(.unavailable, text, backendDetail: .init(backend: "redis", code: timedOut ? "timeout" : "io", message: message))
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: &context.pointee.errstr) { bytes in
            let text = bytes.prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
    }

    private static func interval(_ duration: Duration) -> timeval {
        let clamped = max(0.001, duration.inSeconds)
        let whole = clamped.rounded(.down)
        return timeval(tv_sec: .init(Int64(saturating: whole)), tv_usec: .init(((clamped - whole) * 1_000_000).rounded()))
    }
}
