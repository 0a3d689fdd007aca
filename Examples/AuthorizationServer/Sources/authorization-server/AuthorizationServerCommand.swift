#if ExampleServer  // the package trait that brings Hummingbird (Package.swift)
import ArgumentParser
import AuthorizationServerExample
import Foundation
import Hummingbird
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageOpener
import IdentityStorageTool
import Logging

/// Serves the example authorization server on the deployment given as to `idstore` (`--store`, `--operational-store`,
/// …), until SIGINT or SIGTERM; the deployment and the cleanup of expired data run in the same service group.
@main
struct AuthorizationServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorization-server",
        abstract: "The IdentityStorage example: authorization codes, token redemption, refresh-token rotation, replay and CORS on any store.")

    @OptionGroup var deployment: DeploymentOptions
    @OptionGroup var encryption: KeyEncryptionOptions

    @Option(help: ArgumentHelp("How often the signing keys and the key ring are read in the background to see other instances' and the tool's changes.",
                               valueName: "seconds"))
    var keyCheckInterval: Double = 300

    @Option(help: "The address to listen on.")
    var hostname = "127.0.0.1"

    @Option(help: "The port to listen on; 0 for one the system picks.")
    var port = 8080

    @Option(help: "Seconds after its rotation during which a refresh token presented again still gets tokens (default 10).")
    var refreshGracePeriod = AuthorizationServer.defaultRefreshTokenRotation.gracePeriod

    @Option(help: "How many times a rotated refresh token may be presented again within the grace period (default 8).")
    var refreshReuseLimit = AuthorizationServer.defaultRefreshTokenRotation.maxReuseCount

    func run() async throws {
        let logger = Logger(label: "authorization-server")
        let deployment = try await self.deployment.openDeployment(with: .builtIn)
        let stores = deployment.makeStores()
        var signing = AuthorizationServer.signingPolicy
        signing.storeCheckInterval = keyCheckInterval
        var dataProtection = DataProtectionPolicy()
        dataProtection.storeCheckInterval = keyCheckInterval
        let keys = try KeyManagement(stores: stores, keyEncryption: try encryption.provider(), signing: signing, dataProtection: dataProtection,
                                     logger: logger)
        // The keys are created (or read) before the first request, not during it.
        _ = try await keys.signingKeys.currentSigningKey(for: .rs256)
        let rotation = RefreshTokenRotationPolicy(gracePeriod: refreshGracePeriod, maxReuseCount: refreshReuseLimit)
        try rotation.validate()
        let server = AuthorizationServer(stores: stores, keys: keys, refreshTokenRotation: rotation)
        // Consumed refresh tokens are kept at least as long as their grace period.
        var cleanup = CleanupService.Configuration()
        cleanup.runner.refreshTokenGracePeriod = rotation.gracePeriod
        let hostname = self.hostname
        // One line on standard output once the port is bound: with `--port 0` it is how a script learns the port.
        let app = Application(router: server.router(), configuration: .init(address: .hostname(hostname, port: port)),
                              services: [deployment, CleanupService(deployment: deployment, configuration: cleanup)],
                              onServerRunning: { channel in
                                  let line = "authorization-server listening on http://\(hostname):\(channel.localAddress?.port ?? 0)\n"
                                  FileHandle.standardOutput.write(Data(line.utf8))
                              },
                              logger: logger)
        try await app.runService()
    }
}
#else
import Foundation

/// Built without the `ExampleServer` trait: there is no server in this binary, only the way to get one.
@main
enum AuthorizationServerCommand {
    static func main() {
        FileHandle.standardError.write(Data("authorization-server was built without the ExampleServer trait: `swift build --traits ExampleServer`\n".utf8))
        exit(2)
    }
}
#endif  // ExampleServer
