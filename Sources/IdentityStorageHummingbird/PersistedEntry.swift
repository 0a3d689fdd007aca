#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import IdentityStorage

/// A persisted value as the cache holds it: `{"expiresAt": µs since 1970 or null, "value": the value's JSON}`.
///
/// The expiry travels with the value because the cache reports no time to live; the cache entry also expires at that
/// instant, so the backend removes what has expired.
struct PersistedEntry {
    let bytes: [UInt8]
    let expiresAt: Date?

    init<Object: Encodable>(value: Object, expiresAt: Date?) throws {
        try self.init(encodedValue: Self.encode(value), expiresAt: expiresAt)
    }

    /// `encodedValue` is the JSON of the value, from ``encode(_:)``.
    init(encodedValue: [UInt8], expiresAt: Date?) {
        let expiresAt = expiresAt?.roundedToStoragePrecision
        self.expiresAt = expiresAt
        let header = expiresAt.map { "{\"expiresAt\":\($0.microsecondsSince1970),\"value\":" } ?? "{\"expiresAt\":null,\"value\":"
        bytes = Array(header.utf8) + encodedValue + [UInt8(ascii: "}")]
    }

    /// The cache entry's options: it expires when the value does.
    var cacheOptions: CacheEntryOptions { expiresAt.map(CacheEntryOptions.absolute) ?? .none }

    static func encode<Object: Encodable>(_ value: Object) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    /// The expiry of a stored entry; nil when the bytes are not an entry.
    static func header(of bytes: [UInt8]) -> Header? {
        try? JSONDecoder().decode(Header.self, from: Data(bytes))
    }

    /// The value of a stored entry as `Object`; nil when it does not decode as one.
    static func value<Object: Decodable>(of bytes: [UInt8], as: Object.Type) -> Object? {
        try? JSONDecoder().decode(Body<Object>.self, from: Data(bytes)).value
    }

    struct Header: Decodable {
        private let expiresAtMicroseconds: Int64?

        var expiresAt: Date? { expiresAtMicroseconds.map(Date.init(microsecondsSince1970:)) }

        func hasExpired(at now: Date) -> Bool { expiresAt.map { $0 <= now } ?? false }

        func timeToLive(at now: Date) -> Duration? {
            expiresAtMicroseconds.map { .microseconds(max(0, $0 - now.microsecondsSince1970)) }
        }

        private enum CodingKeys: String, CodingKey { case expiresAtMicroseconds = "expiresAt" }
    }

    private struct Body<Object: Decodable>: Decodable {
        let value: Object
    }
}
#endif  // Hummingbird
