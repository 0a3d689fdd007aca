import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageKeys

/// `idstore keys rewrap`: every data-protection key re-encrypted under a new key-encryption key.
struct KeysRewrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrap",
        abstract: "Re-encrypt every data-protection key at rest under a new key-encryption key.",
        discussion: """
            Keys are read with --encryption-key (none: keys stored in the clear) and given a copy under \
            --new-encryption-key; once every key has one, the old copies are deleted. Killed at any moment, every key \
            stays readable with the old or the new key-encryption key; run it again to finish. Signing keys are \
            protected by data-protection keys, so they need no rewrap. Give servers both keys \
            (--encryption-key NEW --previous-encryption-key OLD) before, and drop the old one after.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var encryption: KeyEncryptionOptions

    @Option(help: ArgumentHelp("The file of the new 32-byte key-encryption key.", valueName: "file"))
    var newEncryptionKey: String

    func run() async throws {
        try await options.withKeyStore { stores in
            let target = try LocalKeyEncryptionKeys(current: try LocalKeyEncryptionKeys.read(file: newEncryptionKey))
            let keys = try ToolKeyManagement(stores, keyEncryption: try encryption.provider())
            let report = try await keys.dataProtector.rewrap(to: target) { Terminal.progress($0) }
            Terminal.print("rewrap to \(target.currentKeyId): \(report.rewrapped) keys rewrapped, \(report.alreadyRewrapped) already were, "
                           + "\(report.deletedCopies) old copies deleted")
        }
    }
}
