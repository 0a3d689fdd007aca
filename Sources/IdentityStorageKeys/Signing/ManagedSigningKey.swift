import Foundation
import IdentityStorage

/// A signing key as the manager holds it: its dates, its public JWK and, when this instance can read it, its
/// private key.
public struct ManagedSigningKey: Sendable {
    /// The key id (`kid`), in every JWT header it signs and in the JWKS.
    public let id: String
    /// The algorithm it signs with (`alg`).
    public let algorithm: SigningAlgorithm
    /// When the key was made, and published in the JWKS.
    public let created: Date
    /// From when it signs (publication comes first: `created`).
    public let activation: Date
    /// From when it no longer signs; published until ``SigningKeyPolicy/retentionDuration`` after.
    public let expiration: Date
    /// The public key as a JWK (RFC 7517) with `kid`, `alg` and `use` (`sig`).
    public let publicJWK: [String: String]
    let privateKey: SigningPrivateKey?
    /// `{"alg":…,"kid":…,"typ":"JWT"}` in base64url, made once per key: signing a JWT only encodes its claims.
    let encodedJWTHeader: String

    init(id: String, algorithm: SigningAlgorithm, created: Date, activation: Date, expiration: Date, publicJWK: [String: String],
         privateKey: SigningPrivateKey?) {
        self.id = id
        self.algorithm = algorithm
        self.created = created
        self.activation = activation
        self.expiration = expiration
        var jwk = publicJWK
        jwk["kid"] = id
        jwk["alg"] = algorithm.rawValue
        jwk["use"] = "sig"
        self.publicJWK = jwk
        self.privateKey = privateKey
        let header = try! JSONSerialization.data(withJSONObject: ["alg": algorithm.rawValue, "kid": id, "typ": "JWT"], options: [.sortedKeys])
        encodedJWTHeader = header.base64URLEncoded
    }

    /// Whether this instance holds the private key (false when it is protected by a data-protection key this
    /// instance cannot read).
    public var canSign: Bool { privateKey != nil }

    /// The JWS signature of `input` with this key.
    public func sign(_ input: some DataProtocol) throws -> Data {
        guard let privateKey else {
            throw IdentityStorageError.permissionDenied("the private part of signing key \(id) cannot be read by this instance")
        }
        return try privateKey.sign(input)
    }

    /// A compact JWS (RFC 7515) of `claims` (the JSON of the JWT's payload), with `alg`, `kid` and `typ: JWT` in its header.
    public func signJWT(claims: Data) throws -> String {
        let signingInput = encodedJWTHeader + "." + claims.base64URLEncoded
        return signingInput + "." + (try sign(Data(signingInput.utf8))).base64URLEncoded
    }
}

/// What a stored signing key's `data` holds: the dates and public key in the clear (the tool lists keys without
/// reading any secret), the private key protected by the data protector (or in the clear, when the store's
/// `dataProtected` flag says so).
struct SigningKeyEnvelope: Codable, Sendable {
    static let formatName = "idstore-signing-key"
    var format = formatName
    var version = 1
    var activation: Int64
    var expiration: Int64
    var jwk: [String: String]
    /// Base64 of the protected private key, or of its bytes when stored in the clear.
    var privateKey: String

    /// The envelope of `key`, or nil when its data is not one (another library's key: left alone).
    static func decode(_ key: SerializedKey) -> SigningKeyEnvelope? {
        guard let envelope = try? JSONDecoder().decode(SigningKeyEnvelope.self, from: Data(key.data.utf8)),
              envelope.format == formatName, envelope.version == 1 else { return nil }
        return envelope
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try! encoder.encode(self), as: UTF8.self) // strings and integers only: never fails
    }
}

/// A stored key as the tool lists it: no key bytes.
public struct SigningKeyInfo: Sendable, Hashable {
    /// The key id (`kid`).
    public var id: String
    /// The algorithm's JOSE name (`RS256`, `PS256`, `ES256`).
    public var algorithm: String
    /// When the key was made, and published.
    public var created: Date
    /// From when it signs.
    public var activation: Date
    /// From when it no longer signs; it stays published for the policy's retention duration after.
    public var expiration: Date
    /// Whether the private key is stored protected by the data protector.
    public var protected: Bool
    /// Where the key is in its life at the time of listing.
    public var status: Status

    /// A key's place in its life.
    public enum Status: String, Sendable {
        /// Published, not yet signing.
        case pending
        /// The key its algorithm signs with now.
        case signing
        /// Valid for signing, but a newer key signs (after an immediate rotation).
        case superseded
        /// No longer signs; published for the tokens it signed.
        case retired
        /// Past its retention: deleted at the next maintenance.
        case expired
        /// Not a key of this library (another format or algorithm).
        case foreign
    }
}
