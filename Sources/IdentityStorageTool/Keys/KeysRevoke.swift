import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageKeys

/// `idstore keys revoke ID`: a data-protection key revoked, or a signing key withdrawn.
struct KeysRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a key by id (from `idstore keys list`).",
        discussion: """
            A data-protection key is revoked in the key ring: payloads it protected no longer unprotect, and a new \
            default key is created if it was the default. A signing key is deleted: it leaves the JWKS and stops \
            signing, and tokens it signed no longer validate; a new key signs at once if it was its algorithm's only one.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var encryption: KeyEncryptionOptions

    @Argument(help: "The key's id.")
    var id: String

    @Option(help: "Why, kept with a data-protection key's revocation.")
    var reason: String?

    func run() async throws {
        try await options.withKeyStore { stores in
            let keys = try ToolKeyManagement(stores, keyEncryption: try encryption.provider())
            if let uuid = UUID(uuidString: id), try await keys.dataProtector.keys().contains(where: { $0.id == uuid }) {
                _ = try await keys.dataProtector.revoke(keyId: uuid, reason: reason)
                Terminal.print("data-protection key \(uuid.uuidString.lowercased()) revoked")
                return
            }
            let signing = try await keys.signingKeys.keys()
            guard let key = signing.first(where: { $0.id == id }) else {
                throw IdentityStorageError(.notFound, "no signing key or data-protection key has id \(id)")
            }
            // Deleting through the store: the tool keeps no key for the algorithm itself (servers create one if needed).
            try await stores.signingKeys.deleteKey(withId: key.id)
            Terminal.print("signing key \(key.id) (\(key.algorithm)) deleted")
        }
    }
}
