// swift-crypto does not mark its key types Sendable on Linux; they are immutable values (a key's bytes never change
// after it is made), so sharing them between tasks is safe.
@preconcurrency import Crypto
import Foundation
import IdentityStorage

/// Key-encryption keys held by this process: 32 random bytes each (a file, or an environment variable), the
/// current one wrapping new keys with AES-256-GCM and every one unwrapping what it wrapped.
///
/// Make one with `head -c 32 /dev/urandom > kek.bin` (raw bytes), or `openssl rand -base64 32` (base64 or hex text
/// is accepted too, in a file or in a variable).
public struct LocalKeyEncryptionKeys: KeyEncryptionKeyProvider {
    private let current: SymmetricKey
    public let currentKeyId: String
    private let byId: [String: SymmetricKey]

    /// `current` wraps; `current` and `previous` unwrap.
    public init(current: SymmetricKey, previous: [SymmetricKey] = []) throws(IdentityStorageError) {
        for key in [current] + previous where key.bitCount != 256 {
            throw .invalidArgument("a key-encryption key must be 32 bytes (256 bits), got \(key.bitCount / 8)")
        }
        self.current = current
        currentKeyId = Self.keyId(of: current)
        var byId: [String: SymmetricKey] = [:]
        for key in previous + [current] { byId[Self.keyId(of: key)] = key }
        self.byId = byId
    }

    /// The KEK's public id: `kek-` and the first 8 bytes of a SHA-256 over a label and the key, in hex. It names the
    /// key without revealing it.
    public static func keyId(of key: SymmetricKey) -> String {
        var hash = SHA256()
        hash.update(data: Data("IdentityStorageKeys key-encryption key id\0".utf8))
        key.withUnsafeBytes { hash.update(bufferPointer: $0) }
        return "kek-" + hash.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A KEK from `bytes`: exactly 32 raw bytes, or text (surrounding white space ignored) in base64, base64url or
    /// hex decoding to 32 bytes. `source` names where it came from in the error (never the bytes).
    public static func decode(_ bytes: Data, source: String) throws(IdentityStorageError) -> SymmetricKey {
        if bytes.count == 32 { return SymmetricKey(data: bytes) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, let hex = Data(hexString: text) { return SymmetricKey(data: hex) }
        if let decoded = Data(base64URLOrStandard: text), decoded.count == 32 { return SymmetricKey(data: decoded) }
        throw .invalidArgument("\(source) must hold a 32-byte key-encryption key: 32 raw bytes, or 32 bytes in base64 or hex "
                               + "(make one with `head -c 32 /dev/urandom > FILE`)")
    }

    /// The KEK in the file at `path`.
    public static func read(file path: String) throws(IdentityStorageError) -> SymmetricKey {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw .invalidArgument("cannot read the key-encryption key file \(path)")
        }
        return try decode(bytes, source: "the key-encryption key file \(path)")
    }

    /// The KEK in the environment variable `name` (base64 or hex), or nil when it is unset or empty.
    public static func fromEnvironment(_ name: String) throws(IdentityStorageError) -> SymmetricKey? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return try decode(Data(value.utf8), source: "the environment variable \(name)")
    }

    public func canUnwrap(keyId: String) -> Bool { byId[keyId] != nil }

    public func wrap(_ material: [UInt8], context: String) async throws -> Data {
        try AES.GCM.seal(material, using: current, authenticating: Self.binding(currentKeyId, context)).combined!
    }

    public func unwrap(_ wrapped: Data, keyId: String, context: String) async throws -> [UInt8] {
        guard let key = byId[keyId] else {
            throw IdentityStorageError.permissionDenied("key \(context) is encrypted with key-encryption key \(keyId), which this process was not given")
        }
        do {
            return [UInt8](try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: key, authenticating: Self.binding(keyId, context)))
        } catch {
            throw IdentityStorageError.corruptedData("key \(context): its encrypted material does not authenticate under key-encryption key \(keyId)")
        }
    }

    private static func binding(_ keyId: String, _ context: String) -> Data {
        Data("IdentityStorageKeys wrap v1\0\(keyId)\0\(context)".utf8)
    }
}
