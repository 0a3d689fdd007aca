import Foundation

/// The one error type every IdentityStorage store throws.
///
/// Modelled on postgres-nio's `PSQLError`: an extensible ``Code``, a message written for a human,
/// and the backend's own detail (SQLSTATE, server message) when there is one.
/// Neither the message nor the detail ever contains a password or a full connection URL:
/// adapters build them from redacted configuration only.
public struct IdentityStorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form code can switch on. New codes may be added in minor releases,
    /// so compare with `==` rather than exhaustively switching.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidArgument = "invalid argument"
            case duplicate = "duplicate"
            case notFound = "not found"
            case unavailable = "unavailable"
            case timeout = "timeout"
            case schemaMismatch = "schema mismatch"
            case tooLarge = "too large"
            case unsupported = "unsupported"
            case corruptedData = "corrupted data"
            case permissionDenied = "permission denied"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The caller passed a value the contract rejects (empty key, NUL byte, empty filter, bad option).
        public static let invalidArgument = Code(.invalidArgument)
        /// A create-only operation met an existing item with the same unique key.
        public static let duplicate = Code(.duplicate)
        /// The contract of the operation says a missing item is an error.
        public static let notFound = Code(.notFound)
        /// The backend could not be reached or the connection broke; the next call reconnects.
        public static let unavailable = Code(.unavailable)
        /// The backend or the connection pool did not answer within the configured time.
        public static let timeout = Code(.timeout)
        /// The stored schema is newer than this library, or not one it knows.
        public static let schemaMismatch = Code(.schemaMismatch)
        /// A value exceeds the documented size limit (see ``IdentityStorageLimits``).
        public static let tooLarge = Code(.tooLarge)
        /// The backend cannot do what was asked: it lacks a capability (see ``StoreCapabilities``). Either by nature
        /// (a `file:` store holding configuration only), or because its adapter was written before a store requirement
        /// existed (``IdentityStorageError/unimplemented(_:in:capability:)``). Retrying does not help.
        public static let unsupported = Code(.unsupported)
        /// A stored row or entry cannot be decoded (unknown enum value, invalid UTF-8, bad JSON).
        public static let corruptedData = Code(.corruptedData)
        /// The backend refused the account: the credentials, or a privilege, ACL permission or file permission the
        /// operation needs. Retrying does not help; the message names what to grant (never a password).
        public static let permissionDenied = Code(.permissionDenied)

        public var description: String { base.rawValue }
    }

    /// Detail reported by the backend itself, kept so operators can search their server's logs.
    public struct BackendDetail: Hashable, Sendable, CustomStringConvertible {
        /// The backend that reported it: `"sqlite"`, `"postgres"`, `"mariadb"`, `"redis"`.
        public var backend: String
        /// The backend's own code: a SQLSTATE, an SQLite extended result code, a MariaDB errno, a Redis error prefix.
        public var code: String?
        /// The server's message, folded to one line. Adapters never put credentials here.
        public var message: String?

        /// A detail; `message` is folded to one line (C libraries end lines with `\n` and indent hints with `\t`).
        public init(backend: String, code: String? = nil, message: String? = nil) {
            self.backend = backend
            self.code = code
            self.message = message?.foldedToOneLine
        }

        public var description: String {
            var text = backend
            if let code { text += " \(code)" }
            if let message { text += ": \(message)" }
            return text
        }
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for a human: what was expected and what was found. One line.
    public var message: String
    /// The backend's own detail, when the error came from a server or a C library.
    public var backendDetail: BackendDetail?

    /// An error; `message` is folded to one line, so a C library's multi-line message stays one line in logs and tools.
    public init(_ code: Code, _ message: String, backendDetail: BackendDetail? = nil) {
        self.code = code
        self.message = message.foldedToOneLine
        self.backendDetail = backendDetail
    }

    public var description: String {
        var text = "IdentityStorageError(\(code)): \(message)"
        if let backendDetail { text += " [\(backendDetail)]" }
        return text
    }
}

extension IdentityStorageError {
    /// Shorthand for ``Code/invalidArgument``.
    public static func invalidArgument(_ message: String) -> IdentityStorageError {
        IdentityStorageError(.invalidArgument, message)
    }

    /// Shorthand for ``Code/duplicate``.
    public static func duplicate(_ message: String) -> IdentityStorageError {
        IdentityStorageError(.duplicate, message)
    }

    /// Shorthand for ``Code/corruptedData``.
    public static func corruptedData(_ message: String) -> IdentityStorageError {
        IdentityStorageError(.corruptedData, message)
    }

    /// Shorthand for ``Code/permissionDenied``.
    public static func permissionDenied(_ message: String) -> IdentityStorageError {
        IdentityStorageError(.permissionDenied, message)
    }

    /// Shorthand for ``Code/tooLarge``.
    public static func tooLarge(_ message: String) -> IdentityStorageError {
        IdentityStorageError(.tooLarge, message)
    }
}

extension String {
    /// The text on one line: each line trimmed, empty lines dropped, the rest joined with `; `.
    /// C libraries' messages (libpq's `…failed: Connection refused\n\tIs the server running…`) enter errors this way.
    public var foldedToOneLine: String {
        guard contains(where: { $0.isNewline || $0 == "\t" }) else { return self }
        return split(whereSeparator: \.isNewline)
            .map { $0.replacingTabs.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

extension Substring {
    fileprivate var replacingTabs: String { String(map { $0 == "\t" ? " " : $0 }) }
}
