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

    init(_ stores: IdentityStores, keyEncryption: (any KeyEncryptionKeyProvider)?, algorithms: [SigningAlgorithm] = [.rs256]) throws {
        let logger = ToolContext.current.observability.logger
        dataProtector = DataProtector(keyRing: stores.keyRing, keyEncryption: keyEncryption, logger: logger)
        var policy = SigningKeyPolicy()
        policy.algorithms = algorithms
        signingKeys = try SigningKeyManager(store: stores.signingKeys, dataProtector: dataProtector, policy: policy, logger: logger)
    }
}

extension StoreOptions {
    /// Opens only the store of the deployment's key material (`--key-store`, else `--store`), runs `body` with its
    /// stores, closes it. The keys commands need no other part, and a `file:` key directory holds nothing else.
    func withKeyStore<T>(_ body: (IdentityStores) async throws -> T) async throws -> T {
        let opener = ToolContext.current.opener
        let store = try await reportingErrors {
            let (url, driver) = try opener.resolve(try await urls().url(for: .keyMaterial))
            guard driver.parts(for: url).contains(.keyMaterial) else {
                let setting = DeploymentOptions.setting(of: .keyMaterial)
                throw IdentityStorageError.invalidArgument("store URL '\(url)' (\(driver.name)) cannot hold key material: give \(setting.option) "
                                                           + "(or \(setting.environment)) a store that can")
            }
            return try await opener.open(url, options: StoreOpenOptions(observability: observability))
        }
        do {
            let result = try await reportingErrors { try await body(store.makeStores()) }
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

/// Instants as the tool prints them: UTC, to the second.
enum KeyDates {
    static func format(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
