import ArgumentParser
import Foundation
import IdentityStorage

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import clients, resources and identity providers from a JSON file (idempotent; validates before writing).")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The JSON file (see Examples/configuration.json).", valueName: "file"))
    var file: String

    func run() async throws {
        // Read and validate before opening the store, so a bad file never touches it.
        let document = try await reportingErrors { () async throws -> ConfigurationDocument in
            guard let data = FileManager.default.contents(atPath: file) else {
                throw IdentityStorageError.invalidArgument("cannot read '\(file)': no such file, or not readable")
            }
            do {
                return try ConfigurationDocument(json: data)
            } catch let error as IdentityStorageError {
                throw IdentityStorageError.invalidArgument("\(file): \(error.message)")
            }
        }
        try await options.withDeployment { deployment in
            try await document.save(to: deployment.makeStores())
            Terminal.print("""
                \(Terminal.label(deployment.store(for: .configuration).url))imported \(document.itemCount) items (\(document.clients.count) clients, \
                \(document.identityResources.count) identity resources, \(document.apiScopes.count) API scopes, \
                \(document.apiResources.count) API resources, \(document.identityProviders.count) identity providers)
                """)
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export clients, resources and identity providers as JSON (to stdout, or --output FILE).")

    @OptionGroup var options: StoreOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func run() async throws {
        let data = try await options.withDeployment { deployment in
            try await ConfigurationDocument.load(from: deployment.makeStores()).json()
        }
        try await reportingErrors {
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: data + Data("\n".utf8)) else {
                    throw IdentityStorageError(.unavailable, "cannot write '\(output)'")
                }
            } else {
                Terminal.print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
