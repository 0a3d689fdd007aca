import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageKeys

/// `idstore keys rotate`: a new signing key per algorithm and a new data-protection key, now.
struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Create a new signing key per algorithm and a new data-protection key now.",
        discussion: """
            By default the new keys are published now and take over after the propagation time (14 days for signing \
            keys, 2 for data-protection keys), as a scheduled rotation does. --immediately makes them sign and \
            protect at once (after a compromise; revoke the old key too). The algorithms are those the store has \
            keys for (RS256 when it has none), or --algorithm.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var encryption: KeyEncryptionOptions

    @Flag(help: "Make the new keys sign and protect at once instead of after the propagation time.")
    var immediately = false

    @Option(name: .customLong("algorithm"), help: ArgumentHelp("A signing algorithm to rotate: RS256, PS256 or ES256 (repeatable).", valueName: "alg"),
            transform: { text in
                guard let algorithm = SigningAlgorithm(rawValue: text.uppercased()) else { throw ValidationError("unknown signing algorithm '\(text)'; use RS256, PS256 or ES256") }
                return algorithm
            })
    var algorithms: [SigningAlgorithm] = []

    @Flag(help: "Rotate only the signing keys.")
    var signingOnly = false

    @Flag(help: "Rotate only the data-protection key.")
    var dataProtectionOnly = false

    func validate() throws {
        if signingOnly, dataProtectionOnly { throw ValidationError("--signing-only and --data-protection-only exclude each other") }
    }

    func run() async throws {
        try await options.withKeyStore { stores in
            let provider = try encryption.provider()
            var chosen = algorithms
            if chosen.isEmpty {
                let listed = try await ToolKeyManagement(stores, keyEncryption: provider).signingKeys.keys()
                chosen = SigningAlgorithm.allCases.filter { algorithm in listed.contains { $0.algorithm == algorithm.rawValue && $0.status != .foreign } }
                if chosen.isEmpty { chosen = [.rs256] }
            }
            let keys = try ToolKeyManagement(stores, keyEncryption: provider, algorithms: chosen)
            if !signingOnly {
                let key = try await keys.dataProtector.createKey(immediately: immediately)
                Terminal.print("data-protection key \(key.id.uuidString.lowercased()) created, active from \(KeyDates.format(key.activation))")
            }
            if !dataProtectionOnly {
                for key in try await keys.signingKeys.rotate(immediately: immediately) {
                    Terminal.print("signing key \(key.id) (\(key.algorithm)) created, signs from \(KeyDates.format(key.activation))")
                }
            }
        }
    }
}
