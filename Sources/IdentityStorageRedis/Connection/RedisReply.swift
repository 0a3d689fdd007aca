import CHiredis
import IdentityStorage

/// A reply of the Redis protocol (RESP2), copied out of hiredis's reply tree so it can leave the connection's thread.
package enum RedisReply: Sendable, Equatable {
    /// A bulk string: binary-safe bytes.
    case bulk([UInt8])
    /// A simple status (`OK`, `PONG`).
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    /// A nil bulk string or nil array.
    case null
    /// An error reply (`ERR …`, `MOVED …`, `NOSCRIPT …`); the connection is still usable.
    case error(String)

    /// Copies hiredis's reply tree.
    init(_ reply: UnsafePointer<redisReply>) {
        let raw = reply.pointee
        switch raw.type {
        case REDIS_REPLY_STRING:
            self = .bulk(RedisReply.bytes(raw.str, raw.len))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(raw.elements)
            for index in 0..<raw.elements {
                if let element = raw.element[index] { items.append(RedisReply(element)) } else { items.append(.null) }
            }
            self = .array(items)
        case REDIS_REPLY_INTEGER:
            self = .integer(raw.integer)
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: RedisReply.bytes(raw.str, raw.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: RedisReply.bytes(raw.str, raw.len), as: UTF8.self))
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The error message if this is an error reply.
    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// The bytes of a bulk reply; nil for a nil reply. Anything else is a protocol surprise.
    package func optionalBytes() throws(IdentityStorageError) -> [UInt8]? {
        switch self {
        case .bulk(let bytes): return bytes
        case .null: return nil
        case .status(let text): return Array(text.utf8)
        case .integer(let value): return Array(String(value).utf8)
        default: throw RedisErrors.unexpected(self, expected: "a string")
        }
    }

    /// The items of an array reply (a nil reply is an empty array).
    func items() throws(IdentityStorageError) -> [RedisReply] {
        switch self {
        case .array(let items): return items
        case .null: return []
        default: throw RedisErrors.unexpected(self, expected: "an array")
        }
    }

    /// The value of an integer reply.
    func integerValue() throws(IdentityStorageError) -> Int64 {
        switch self {
        case .integer(let value): return value
        case .bulk(let bytes):
            if let value = Int64(String(decoding: bytes, as: UTF8.self)) { return value }
        default: break
        }
        throw RedisErrors.unexpected(self, expected: "an integer")
    }

    /// A short description for error messages (never the payload itself).
    var kind: String {
        switch self {
        case .bulk(let bytes): return "a \(bytes.count)-byte string"
        case .status(let text): return "status \(text)"
        case .integer(let value): return "integer \(value)"
        case .array(let items): return "an array of \(items.count)"
        case .null: return "nil"
        case .error(let message): return "error \(message)"
        }
    }
}

/// How Redis error replies become `IdentityStorageError`s.
package enum RedisErrors {
    static func detail(_ message: String) -> IdentityStorageError.BackendDetail {
        let code = message.split(separator: " ", maxSplits: 1).first.map(String.init)
        return IdentityStorageError.BackendDetail(backend: "redis", code: code, message: message)
    }

    /// The error for a server error reply that routing did not handle; `command` and `user` name the grant an ACL
    /// refusal needs.
    package static func map(_ message: String, context: String, command: RedisCommand? = nil, user: String? = nil) -> IdentityStorageError {
        if let refused = permissionDenied(message, context: context, command: command, user: user) { return refused }
        let code = message.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        switch code {
        case "WRONGTYPE":
            return IdentityStorageError(.corruptedData, "\(context): a Redis key of this store holds the wrong kind of value",
                                        backendDetail: detail(message))
        case "ERR" where message.contains("script"), "ERR" where message.contains("user_script"):
            return IdentityStorageError(.corruptedData, "\(context): a stored value could not be processed by the store's script",
                                        backendDetail: detail(message))
        case "OOM":
            return IdentityStorageError(.unavailable, "\(context): the Redis server is out of memory (maxmemory reached) and refuses writes",
                                        backendDetail: detail(message))
        default:
            return IdentityStorageError(.unavailable, "\(context): the Redis server refused the command", backendDetail: detail(message))
        }
    }

    static func unexpected(_ reply: RedisReply, expected: String) -> IdentityStorageError {
        if case .error(let message) = reply { return map(message, context: "unexpected reply") }
        return IdentityStorageError(.corruptedData, "expected \(expected) from Redis, got \(reply.kind)",
                                    backendDetail: IdentityStorageError.BackendDetail(backend: "redis"))
    }
}
