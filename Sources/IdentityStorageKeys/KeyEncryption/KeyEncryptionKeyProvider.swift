import Foundation

/// Encrypts data-protection keys at rest: the key-encryption key (KEK) a user supplies, as a local 32-byte key
/// (``LocalKeyEncryptionKeys``) or through a KMS or Vault (adopt this protocol and call the service).
///
/// Every wrapped key is stored with the id of the KEK that wrapped it, so a provider that knows several KEKs (the
/// current one and those being retired, during `idstore keys rewrap`) unwraps each key with the right one. The id is
/// not secret; it must not be derived in a way that reveals the KEK.
public protocol KeyEncryptionKeyProvider: Sendable {
    /// The id of the KEK new keys are wrapped with.
    var currentKeyId: String { get }

    /// Whether this provider can unwrap material wrapped under the KEK `keyId`.
    func canUnwrap(keyId: String) -> Bool

    /// `material` encrypted under the current KEK and bound to `context` (the data-protection key's id): material
    /// moved to another key's element does not unwrap.
    func wrap(_ material: [UInt8], context: String) async throws -> Data

    /// The material `wrap` was given, from `wrapped` made under the KEK `keyId` with the same `context`.
    /// - Throws: `IdentityStorageError` `permissionDenied` when this provider lacks that KEK, `corruptedData` when
    ///   the wrapped bytes do not authenticate.
    func unwrap(_ wrapped: Data, keyId: String, context: String) async throws -> [UInt8]
}
