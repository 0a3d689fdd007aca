// swift-crypto does not mark its key types Sendable on Linux; they are immutable values (a key's bytes never change
// after it is made), so sharing them between tasks is safe.
@preconcurrency import Crypto
import _CryptoExtras
import Foundation
import IdentityStorage

/// The JWS algorithms the signing-key manager keeps keys for (RFC 7518 section 3), each with its own key set.
public enum SigningAlgorithm: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA 2048: what every OpenID Connect client accepts (the default).
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256 and MGF1, salt of 32 bytes, RSA 2048.
    case ps256 = "PS256"
    /// ECDSA on P-256 with SHA-256.
    case es256 = "ES256"

    public var description: String { rawValue }
}

/// A private signing key of one of the algorithms.
enum SigningPrivateKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey, pss: Bool)
    case p256(P256.Signing.PrivateKey)

    /// A new key for `algorithm`, made on a thread of its own: an RSA key takes tens to hundreds of milliseconds of
    /// CPU (seconds in a debug build), and on the cooperative pool (a thread per core) a few instances rotating at
    /// once held every thread, stalling every other task of the process until they were done. P-256 keys take
    /// microseconds and are made in place.
    static func generated(for algorithm: SigningAlgorithm) async throws -> SigningPrivateKey {
        guard algorithm != .es256 else { return try generate(for: algorithm) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try generate(for: algorithm) }) }.start()
        }
    }

    /// A new key for `algorithm`, made on the calling thread.
    static func generate(for algorithm: SigningAlgorithm) throws -> SigningPrivateKey {
        switch algorithm {
        case .rs256: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048), pss: false)
        case .ps256: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048), pss: true)
        case .es256: .p256(P256.Signing.PrivateKey())
        }
    }

    /// The key from its stored bytes (PKCS#1 DER for RSA, the raw scalar for P-256).
    init(bytes: Data, algorithm: SigningAlgorithm) throws {
        switch algorithm {
        case .rs256: self = .rsa(try _RSA.Signing.PrivateKey(derRepresentation: bytes), pss: false)
        case .ps256: self = .rsa(try _RSA.Signing.PrivateKey(derRepresentation: bytes), pss: true)
        case .es256: self = .p256(try P256.Signing.PrivateKey(rawRepresentation: bytes))
        }
    }

    /// The bytes to store (protected by the data protector unless the user chose clear storage).
    var bytes: Data {
        switch self {
        case .rsa(let key, _): key.derRepresentation
        case .p256(let key): key.rawRepresentation
        }
    }

    /// The JWS signature of `input` (for ES256 the 64-byte `r || s`, RFC 7518 section 3.4).
    func sign(_ input: some DataProtocol) throws -> Data {
        switch self {
        case .rsa(let key, let pss): try key.signature(for: input, padding: pss ? .PSS : .insecurePKCS1v1_5).rawRepresentation
        case .p256(let key): try key.signature(for: input).rawRepresentation
        }
    }

    /// The public key as JWK members (RFC 7518 section 6): `kty` and the key's parameters.
    func publicJWK() throws -> [String: String] {
        switch self {
        case .rsa(let key, _):
            let primitives = try key.publicKey.getKeyPrimitives()
            return ["kty": "RSA", "n": primitives.modulus.base64URLEncoded, "e": primitives.publicExponent.base64URLEncoded]
        case .p256(let key):
            let point = key.publicKey.x963Representation // 0x04 || x || y
            return ["kty": "EC", "crv": "P-256", "x": point[1..<33].base64URLEncoded, "y": point[33..<65].base64URLEncoded]
        }
    }
}
