import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageKeys

/// `idstore keys`: the deployment's key material (signing keys and the data-protection key ring).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, rotate, revoke and rewrap the deployment's signing keys and data-protection keys.",
        discussion: """
            Servers using IdentityStorageKeys create and rotate keys themselves; these commands are for operators. \
            Servers see a change when they next read the key store (every 5 minutes by default).
            """,
        subcommands: [KeysList.self, KeysRotate.self, KeysRevoke.self, KeysRewrap.self])
}

/// The managers over a deployment's key stores, as the tool uses them.
struct ToolKeyManagement {
    let dataProtector: DataProtector
    let signingKeys: SigningKeyManager

    init(_ deployment: Deployment, keyEncryption: (any KeyEncryptionKeyProvider)?, algorithms: [SigningAlgorithm] = [.rs256]) throws {
        let stores = deployment.makeStores()
        let logger = ToolContext.current.observability.logger
        dataProtector = DataProtector(keyRing: stores.keyRing, keyEncryption: keyEncryption, logger: logger)
        var policy = SigningKeyPolicy()
        policy.algorithms = algorithms
        signingKeys = try SigningKeyManager(store: stores.signingKeys, dataProtector: dataProtector, policy: policy, logger: logger)
    }
}

/// Instants as the tool prints them: UTC, to the second.
enum KeyDates {
    static func format(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
