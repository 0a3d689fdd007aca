import Foundation

/// A client or API secret (usually a hash of the shared secret, or a certificate thumbprint).
public struct Secret: Hashable, Sendable, Codable {
    /// Free text for administrators.
    public var description: String?
    /// The secret value (a hash for shared secrets).
    public var value: String
    /// When the secret stops being accepted; nil for never.
    public var expiration: Date?
    /// The kind of secret; upstream's default is `"SharedSecret"`.
    public var type: String

    /// A secret of `type` (a shared secret by default) with the given value, description and expiration.
    public init(value: String, type: String = "SharedSecret", description: String? = nil, expiration: Date? = nil) {
        self.value = value
        self.type = type
        self.description = description
        self.expiration = expiration
    }
}

/// A claim a client sends with its tokens.
public struct ClientClaim: Hashable, Sendable, Codable {
    /// The claim type.
    public var type: String
    /// The claim value.
    public var value: String
    /// The claim's value type; round-trips (upstream EF drops it, we keep it).
    public var valueType: String

    /// The XML-schema string type, upstream's default value type.
    public static let stringValueType = "http://www.w3.org/2001/XMLSchema#string"

    /// A claim of `type` with `value`, typed as an XML-schema string unless `valueType` says otherwise.
    public init(type: String, value: String, valueType: String = ClientClaim.stringValueType) {
        self.type = type
        self.value = value
        self.valueType = valueType
    }
}

extension Secret {
    private enum CodingKeys: String, CodingKey { case description, value, expiration, type }

    /// Decodes with upstream's default type (`"SharedSecret"`) when `type` is absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(value: try container.decode(String.self, forKey: .value),
                  type: try container.decodeIfPresent(String.self, forKey: .type) ?? "SharedSecret",
                  description: try container.decodeIfPresent(String.self, forKey: .description),
                  expiration: try container.decodeIfPresent(Date.self, forKey: .expiration))
    }
}

extension ClientClaim {
    private enum CodingKeys: String, CodingKey { case type, value, valueType }

    /// Decodes with the XML-schema string type when `valueType` is absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(type: try container.decode(String.self, forKey: .type), value: try container.decode(String.self, forKey: .value),
                  valueType: try container.decodeIfPresent(String.self, forKey: .valueType) ?? ClientClaim.stringValueType)
    }
}
