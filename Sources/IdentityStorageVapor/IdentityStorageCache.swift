#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import Foundation
public import IdentityStorage
import NIOCore
public import Vapor

/// Vapor's `Cache` on IdentityStorage's distributed cache: `app.caches.use(.identityStorage)` after
/// ``IdentityStorageVaporSupport/open(_:opener:options:)``, on every backend a driver opens.
///
/// Values are stored as JSON. A value that does not decode as the asked type reads as nil, as with Vapor's memory
/// cache; `set(key, to: nil)` removes the key; `expiresIn` becomes the entry's absolute expiration, judged by the
/// backend, so an expired value is gone for every instance at once.
public struct IdentityStorageCache: Cache, Sendable {
    /// The cache the values live in.
    public let cache: any DistributedCache
    /// Prepended to every key, so these values never meet the cache's other users (replay cache, sessions).
    public let keyPrefix: String
    /// The event loop the futures complete on (the request's, through `for(_:)`).
    public let eventLoop: any EventLoop

    /// A cache over `cache` whose futures complete on `eventLoop`; `keyPrefix` defaults to `vapor-cache:`.
    public init(cache: any DistributedCache, keyPrefix: String = "vapor-cache:", eventLoop: any EventLoop) {
        self.cache = cache
        self.keyPrefix = keyPrefix
        self.eventLoop = eventLoop
    }

    public func get<T: Decodable>(_ key: String, as type: T.Type) -> EventLoopFuture<T?> {
        let (cache, key) = (cache, keyPrefix + key)
        // Vapor's protocol does not make `T` Sendable, so to the compiler neither is its metatype, and no closure that
        // names `T` may go to the event loop. This one names it but holds only the promise and the metatype, both
        // safe to share; it runs once, on the promise's event loop (whenComplete calls back there).
        let promise = eventLoop.makePromise(of: T?.self)
        nonisolated(unsafe) let complete = { (result: Result<[UInt8]?, any Error>) in
            promise.assumeIsolated().completeWith(result.map { $0.flatMap { try? JSONDecoder().decode(T.self, from: Data($0)) } })
        }
        eventLoop.makeFutureWithTask { try await cache.get(key) }.whenComplete { complete($0) }
        return promise.futureResult
    }

    public func set<T: Encodable>(_ key: String, to value: T?) -> EventLoopFuture<Void> {
        set(key, to: value, expiresIn: nil)
    }

    public func set<T: Encodable>(_ key: String, to value: T?, expiresIn expirationTime: CacheExpirationTime?) -> EventLoopFuture<Void> {
        let (cache, key) = (cache, keyPrefix + key)
        guard let value else {
            return eventLoop.makeFutureWithTask { _ = try await cache.remove(key) }
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try JSONEncoder().encode(value))
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let options = expirationTime.map { CacheEntryOptions.relative(TimeInterval($0.seconds)) } ?? .none
        return eventLoop.makeFutureWithTask { try await cache.set(key, value: bytes, options: options) }
    }

    public func `for`(_ request: Request) -> IdentityStorageCache {
        IdentityStorageCache(cache: cache, keyPrefix: keyPrefix, eventLoop: request.eventLoop)
    }
}
#endif  // Vapor
