import ArgumentParser
import Foundation
import IdentityStorage
import Logging

/// The root command; ``IdentityStorageTool/run(_:drivers:commandName:output:)`` runs it with the registered drivers.
struct Idstore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idstore",
        abstract: "Manage and check an IdentityStorage store.",
        discussion: """
            The store is chosen by --store or the IDSTORE_URL environment variable, else by IDENTITYSTORAGE_STORE or \
            the identitystorage.store key of the --config file (JSON or YAML); the default is sqlite:identity.db in \
            the working directory. The URL's scheme picks the driver; the drivers \
            registered in this tool are listed by any unknown scheme.
            """,
        subcommands: [Migrate.self, Check.self, Cleanup.self, Import.self, Export.self, Bench.self, Doctor.self, Keys.self]
    )
}

/// The options every command shares: where the deployment's parts live, and the stores' log level.
struct StoreOptions: ParsableArguments {
    @OptionGroup var deployment: DeploymentOptions

    @Option(name: .long, help: ArgumentHelp("The stores' log level, to standard error: trace, debug, info, notice, warning, error or critical (default: warning).",
                                            valueName: "level"),
            transform: { text throws(ValidationError) in
                guard let level = Logger.Level(rawValue: text.lowercased()) else {
                    throw ValidationError("unknown log level '\(text)'; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return level
            })
    var logLevel: Logger.Level?

    /// The URLs in force (options, environment, `--config` file).
    func urls() async throws -> DeploymentURLs { try await deployment.urls() }

    /// Where the stores log, measure and trace: the run's observability, its logger at `--log-level` when given.
    var observability: StoreObservability {
        var observability = ToolContext.current.observability
        if let logLevel { observability.logger.logLevel = logLevel }
        return observability
    }

    /// Opens the deployment through the registered drivers (each distinct URL once), runs `body`, closes it. Any error
    /// becomes one line on standard error and exit status 1; a part whose store cannot hold it names the option to set.
    func withDeployment<T>(clock: any WallClock = SystemWallClock(), migrate: Bool = true,
                           _ body: (Deployment) async throws -> T) async throws -> T {
        let deployment = try await reportingErrors {
            try await self.deployment.openDeployment(with: ToolContext.current.opener,
                                                     options: StoreOpenOptions(clock: clock, migrate: migrate, observability: observability))
        }
        do {
            let result = try await reportingErrors { try await body(deployment) }
            await deployment.close()
            return result
        } catch {
            await deployment.close()
            throw error
        }
    }
}

/// Writes an error as one line (`idstore: error: …`) and exits with status 1; never a stack trace, never a password
/// (store errors are built from redacted URLs; C libraries' multi-line messages are folded).
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

/// The current run's output (see ``ToolOutput``).
enum Terminal {
    /// A line on standard output.
    static func print(_ line: String) {
        ToolContext.current.output.write(line)
    }

    /// `NAME: error: message` on standard error, on one line.
    static func error(_ message: String) {
        let context = ToolContext.current
        context.output.writeError("\(context.commandName): error: \(message.foldedToOneLine)")
    }

    /// `url: ` before a result line (`memory: ` for a URL that already ends with a colon). The URL is redacted.
    static func label(_ url: some CustomStringConvertible) -> String {
        let text = url.description
        return text.hasSuffix(":") ? text + " " : text + ": "
    }

    /// A progress line on standard error.
    static func progress(_ message: String) {
        ToolContext.current.output.writeError(message)
    }
}

/// Process-wide memory settings for the tool.
enum ProcessMemory {
    /// glibc gives every thread that allocates its own arena and keeps freed pages in it; with a thread per pooled
    /// connection, memory freed after a large cleanup batch or bulk load stays resident (a PostgreSQL bench run
    /// peaked at 128 MiB with 8 arenas, 72 MiB with 1). Two arenas keep the pool threads from contending on one
    /// lock. Servers embedding the library can do the same (or set MALLOC_ARENA_MAX=2).
    static func limitArenas() {
        #if canImport(Glibc)
        // `mallopt` is not in the Glibc module (malloc.h is not part of it); -8 is M_ARENA_MAX in malloc.h.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, 2)
        }
        #endif
    }
}
