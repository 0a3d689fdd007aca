import ArgumentParser
import Foundation
import IdentityStorage
import IdentityStorageOpener

@main
struct Idstore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idstore",
        abstract: "Manage and check an IdentityStorage store.",
        discussion: """
            The store is chosen by --store or the IDSTORE_URL environment variable; the default is \
            sqlite:identity.db in the working directory. Accepted URLs: \(StoreLocation.acceptedForms)
            """,
        subcommands: [Migrate.self, Check.self, Cleanup.self, Import.self, Export.self, Bench.self]
    )
}

/// The `--store` option every command shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Store URL (default: $IDSTORE_URL, else sqlite:identity.db).", valueName: "url"))
    var store: String?

    /// The URL in force: the option, the environment, or the default.
    var url: String {
        store ?? ProcessInfo.processInfo.environment["IDSTORE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "sqlite:identity.db"
    }

    /// Opens the store, runs `body`, closes the store. Any error becomes one line on stderr and exit status 1.
    func withStore<T>(clock: any WallClock = SystemWallClock(), _ body: (OpenedStore) async throws -> T) async throws -> T {
        let opened = try await reportingErrors { try await StoreOpener.open(url: url, clock: clock) }
        do {
            let result = try await reportingErrors { try await body(opened) }
            await opened.close()
            return result
        } catch {
            await opened.close()
            throw error
        }
    }
}

/// Prints an error as one line (`idstore: error: …`) and exits with status 1; never a stack trace.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as IdentityStorageError {
        Terminal.error(error.backendDetail.map { "\(error.message) [\($0)]" } ?? error.message)
        throw ExitCode.failure
    } catch {
        Terminal.error(String(describing: error))
        throw ExitCode.failure
    }
}

enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("idstore: error: \(message)\n".utf8))
    }

    static func progress(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}
