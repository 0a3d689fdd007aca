import ArgumentParser
import IdentityStorage

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply schema migrations and print the schema version of every store of the deployment.")

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await options.withDeployment { deployment in
            for (index, store) in deployment.stores.enumerated() {
                let parts = deployment.isMixed ? " (\(deployment.parts(of: index).names))" : ""
                if let version = try await store.schemaVersion() {
                    Terminal.print("\(Terminal.label(store.url))schema version \(version)\(parts)")
                } else {
                    Terminal.print("\(Terminal.label(store.url))no schema (this backend keeps none)\(parts)")
                }
            }
        }
    }
}
