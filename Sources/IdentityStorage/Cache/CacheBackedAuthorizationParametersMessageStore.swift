import Foundation

/// Authorization-parameter messages on any ``DistributedCache``: JSON values under
/// `"DistributedCacheAuthorizationParametersMessageStore-{id}"` with a sliding expiration.
public struct CacheBackedAuthorizationParametersMessageStore: AuthorizationParametersMessageStore {
    /// The cache the messages live in.
    public var cache: any DistributedCache
    /// Sliding expiration of each message in seconds; upstream's default is 60 minutes.
    public var slidingExpiration: TimeInterval

    /// Messages in `cache`, each living `slidingExpiration` seconds after it was last written or read.
    public init(cache: any DistributedCache, slidingExpiration: TimeInterval = 3600) {
        self.cache = cache
        self.slidingExpiration = slidingExpiration
    }

    public func writeMessage(_ message: AuthorizationParametersMessage) async throws -> String {
        var message = message
        message.parameters.removeValue(forKey: "request_uri")
        try FieldValidation.instant(message.created, "message created")
        for (name, values) in message.parameters {
            try FieldValidation.text(name, "message parameter name")
            for value in values { try FieldValidation.payload(value, "message parameter '\(name)'") }
        }
        let encoded = try StorageJSON.encoder().encode(message)
        try FieldValidation.payloadSize(encoded.count, "message")
        let id = RandomHandle.make()
        try await cache.set(Self.key(id), value: Array(encoded), options: .sliding(slidingExpiration))
        return id
    }

    public func readMessage(id: String) async throws -> AuthorizationParametersMessage? {
        try FieldValidation.key(id, "message id")
        guard let bytes = try await cache.get(Self.key(id)) else { return nil }
        do {
            return try StorageJSON.decoder().decode(AuthorizationParametersMessage.self, from: Data(bytes))
        } catch {
            throw IdentityStorageError.corruptedData("authorization-parameters message \(id) is not valid JSON")
        }
    }

    @discardableResult
    public func deleteMessage(id: String) async throws -> Bool {
        try FieldValidation.key(id, "message id")
        return try await cache.remove(Self.key(id))
    }

    static func key(_ id: String) -> String { "DistributedCacheAuthorizationParametersMessageStore-\(id)" }
}
