#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import Foundation
public import IdentityStorage
public import Vapor

/// Vapor's `SessionDriver` on IdentityStorage's distributed cache: `app.sessions.use(.identityStorage)` after
/// ``IdentityStorageVaporSupport/open(_:opener:options:)``. Sessions are shared by every instance on the backend.
///
/// A session lives for ``idleTimeout`` after it was last read or written (the cache's sliding expiration, renewed on
/// every read). A new session id is 32 random bytes; it is stored with the cache's add-if-absent, so a session can
/// never be created over another one.
public struct IdentityStorageSessions: SessionDriver {
    /// The cache the sessions live in.
    public let cache: any DistributedCache
    /// Prepended to every session id; default `vapor-session:`.
    public let keyPrefix: String
    /// How long an unused session lives; default 7 days, Vapor's session cookie lifetime.
    public let idleTimeout: Duration

    /// Sessions in `cache`.
    public init(cache: any DistributedCache, keyPrefix: String = "vapor-session:", idleTimeout: Duration = .seconds(7 * 24 * 3600)) {
        self.cache = cache
        self.keyPrefix = keyPrefix
        self.idleTimeout = idleTimeout
    }

    /// Stores `data` under a new random session id, added only if no live session has it, so that it never lands on
    /// another session.
    public func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask { [self] in
            let bytes = try encode(data)
            while true {
                let id = SessionID(string: [UInt8].random(count: 32).base64)
                if try await cache.add(keyPrefix + id.string, value: bytes, options: options) { return id }
            }
        }
    }

    /// The session's data, or nil when it expired, was deleted or does not decode.
    public func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask { [self] in
            try await cache.get(keyPrefix + sessionID.string).flatMap { try? JSONDecoder().decode(SessionData.self, from: Data($0)) }
        }
    }

    /// Replaces the session's data and restarts its idle timeout.
    public func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask { [self] in
            try await cache.set(keyPrefix + sessionID.string, value: encode(data), options: options)
            return sessionID
        }
    }

    /// Removes the session.
    public func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask { [self] in
            _ = try await cache.remove(keyPrefix + sessionID.string)
        }
    }

    private var options: CacheEntryOptions { .sliding(idleTimeout.inSeconds) }

    private func encode(_ data: SessionData) throws -> [UInt8] { Array(try JSONEncoder().encode(data)) }
}
#endif  // Vapor
