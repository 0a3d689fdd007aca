#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import IdentityStorage
import IdentityStorageOpener
import IdentityStorageVapor
import ServerTestSupport
import Testing
import Vapor

/// An application that opened its deployment by URL closes it on either of Vapor's shutdown paths: the async one
/// (`asyncShutdown()`, through `shutdownAsync(_:)`) and the synchronous one (`shutdown()`, through `shutdown(_:)`).
@Suite struct VaporShutdownTests {
    /// Runs `body` with `app` once it opened `backend`'s store by URL, before any shutdown. Returns at once when the
    /// backend's server does not answer.
    func withOpenedApplication(_ backend: TestBackend, test: String = #function, _ makeApplication: () async throws -> Application,
                               _ body: (Application, Deployment) async throws -> Void) async throws {
        guard try await sharedStores.store(backend, test: test) != nil else { return }
        let app = try await makeApplication()
        do {
            try await app.identityStorage.open(DeploymentURLs(store: try await sharedStores.url(backend)), opener: .builtIn)
            let deployment = try #require(app.identityStorage.deployment)
            #expect(try await deployment.makeStores().cache.get(uniqueName("before-shutdown")) == nil)
            try await body(app, deployment)
        } catch {
            // An application left without its shutdown asserts in its deinit and takes the whole test process down.
            try? await app.asyncShutdown()
            throw error
        }
    }

    @Test(arguments: [.sqlite] + TestBackend.servers)
    func asyncShutdownClosesTheDeployment(_ backend: TestBackend) async throws {
        try await withOpenedApplication(backend, { try await Application.make(.testing) }) { app, deployment in
            try await app.asyncShutdown()
            try await expectClosed(deployment)
        }
    }

    // Vapor's synchronous `app.shutdown()` belongs to an application made synchronously, with Vapor's deprecated
    // initialiser: one from `Application.make` has a serve command that asserts it was shut down asynchronously. So the
    // two tests below use that initialiser, and are deprecated themselves so that using it does not warn.

    /// `app.shutdown()` from a plain thread, where Vapor means it to run, returns once the deployment is closed.
    @available(*, deprecated, message: "covers Vapor's deprecated synchronous Application")
    @Test(arguments: [.sqlite] + TestBackend.servers)
    func synchronousShutdownOnAPlainThreadClosesTheDeployment(_ backend: TestBackend) async throws {
        try await withOpenedApplication(backend, { await onPlainThread { Application(.testing) } }) { app, deployment in
            await onPlainThread { app.shutdown() }
            try await expectClosed(deployment)
        }
    }

    /// `app.shutdown()` in synchronous code a task runs must not wait on the concurrency pool: it returns, and the
    /// deployment closes in the background.
    @available(*, deprecated, message: "covers Vapor's deprecated synchronous Application")
    @Test(arguments: [.sqlite] + TestBackend.servers)
    func synchronousShutdownInATaskClosesTheDeploymentWithoutWaiting(_ backend: TestBackend) async throws {
        try await withOpenedApplication(backend, { await onPlainThread { Application(.testing) } }) { app, deployment in
            shutDown(app)
            // A liveness bound, not a speed: the close runs in the background, so wait for it.
            let deadline = ContinuousClock.now + .seconds(120)
            while await isOpen(deployment), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await expectClosed(deployment)
        }
    }

    /// Vapor's synchronous shutdown, from synchronous code (the caller here is a task).
    private func shutDown(_ app: Application) {
        app.shutdown()
    }

    /// `body`'s result, run on a thread of its own: outside the concurrency pool and every event loop.
    private func onPlainThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (finished: CheckedContinuation<T, Never>) in
            Thread { finished.resume(returning: body()) }.start()
        }
    }

    /// Whether the deployment still answers a call.
    private func isOpen(_ deployment: Deployment) async -> Bool {
        do {
            _ = try await deployment.makeStores().cache.get(uniqueName("probe"))
            return true
        } catch {
            return false
        }
    }

    /// A closed deployment answers every call `unavailable`.
    private func expectClosed(_ deployment: Deployment, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let error = await #expect(throws: IdentityStorageError.self, sourceLocation: sourceLocation) {
            try await deployment.makeStores().cache.get(uniqueName("after-shutdown"))
        }
        #expect(error?.code == .unavailable, sourceLocation: sourceLocation)
    }
}
#endif  // Vapor
