public import ArgumentParser
import Foundation
import IdentityStorage
public import IdentityStorageKeys

/// The key-encryption key that protects data-protection keys at rest, as command-line options: `--encryption-key
/// FILE` (else the `IDSTORE_ENCRYPTION_KEY` variable, base64 or hex) and `--previous-encryption-key FILE` for keys
/// still under an older one. `idstore keys` and the example server share them.
public struct KeyEncryptionOptions: ParsableArguments, Sendable {
    /// The environment variable read when `--encryption-key` is not given.
    public static let environmentVariable = "IDSTORE_ENCRYPTION_KEY"

    /// `--encryption-key`: the file of the current key-encryption key.
    @Option(name: .long, help: ArgumentHelp("A file of 32 random bytes (raw, base64 or hex) that encrypts data-protection keys at rest "
                                            + "(default: $IDSTORE_ENCRYPTION_KEY; without either, keys are stored in the clear).", valueName: "file"))
    public var encryptionKey: String?

    /// `--previous-encryption-key`: files of older key-encryption keys that still decrypt keys not yet rewrapped.
    @Option(name: .long, help: ArgumentHelp("An older key-encryption key that still decrypts keys not yet rewrapped (repeatable).", valueName: "file"))
    public var previousEncryptionKey: [String] = []

    public init() {}

    /// The provider these options give; nil when no key-encryption key is given.
    /// - Throws: `IdentityStorageError` `invalidArgument` for an unreadable file or a key that is not 32 bytes.
    public func provider() throws -> (any KeyEncryptionKeyProvider)? {
        let current = try encryptionKey.map { try LocalKeyEncryptionKeys.read(file: $0) }
            ?? LocalKeyEncryptionKeys.fromEnvironment(Self.environmentVariable)
        let previous = try previousEncryptionKey.map { try LocalKeyEncryptionKeys.read(file: $0) }
        guard let current else {
            if !previous.isEmpty { throw IdentityStorageError.invalidArgument("--previous-encryption-key needs --encryption-key (or $\(Self.environmentVariable))") }
            return nil
        }
        return try LocalKeyEncryptionKeys(current: current, previous: previous)
    }
}
