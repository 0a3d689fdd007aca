import Foundation
import IdentityStorage
import Logging

/// The key material of a deployment, managing itself: a ``DataProtector`` over its key ring and a
/// ``SigningKeyManager`` over its signing keys, whose private keys the data protector protects.
///
/// ```swift
/// let stores = deployment.makeStores()
/// let keys = try KeyManagement(stores: stores,
///                              keyEncryption: try LocalKeyEncryptionKeys(current: try LocalKeyEncryptionKeys.read(file: "/etc/idp/kek")))
/// let idToken = try await keys.signingKeys.signJWT(claims: claims, algorithm: .rs256)
/// let cookie = try await keys.dataProtector.protect(session, purpose: DataProtectionPurpose("idp", "session"))
/// ```
public struct KeyManagement: Sendable {
    /// Protects and unprotects payloads (cookies, the signing keys' private keys) with the key ring's keys.
    public let dataProtector: DataProtector
    /// Signs JWTs with the current key of each algorithm and serves the JWKS.
    public let signingKeys: SigningKeyManager

    /// Both managers over `stores`' key material. Without `keyEncryption` the data-protection keys are stored in
    /// the clear (a warning is logged once).
    public init(stores: IdentityStores, keyEncryption: (any KeyEncryptionKeyProvider)?, signing: SigningKeyPolicy = SigningKeyPolicy(),
                dataProtection: DataProtectionPolicy = DataProtectionPolicy(), clock: any WallClock = SystemWallClock(),
                logger: Logger = Logger(label: "IdentityStorageKeys")) throws(IdentityStorageError) {
        dataProtector = DataProtector(keyRing: stores.keyRing, keyEncryption: keyEncryption, policy: dataProtection, clock: clock, logger: logger)
        signingKeys = try SigningKeyManager(store: stores.signingKeys, dataProtector: dataProtector, policy: signing, clock: clock, logger: logger)
    }
}
