import ArgumentParser
import IdentityStorage

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply schema migrations and print the schema version.")

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await options.withStore { store in
            if let version = try await store.schemaVersion() {
                Terminal.print("\(Terminal.label(store.url))schema version \(version)")
            } else {
                Terminal.print("\(Terminal.label(store.url))no schema (this backend keeps none)")
            }
        }
    }
}
