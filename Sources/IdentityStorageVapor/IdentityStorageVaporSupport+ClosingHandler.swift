#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import Dispatch
import IdentityStorage
import Synchronization
import Vapor

extension IdentityStorageVaporSupport {
    /// Closes the deployment's connections when the application shuts down, once, whichever of Vapor's two paths runs:
    /// `app.asyncShutdown()` calls ``shutdownAsync(_:)``; `app.shutdown()`, and an application deinitialised without a
    /// shutdown, call ``shutdown(_:)``.
    ///
    /// The synchronous path returns after the close, by blocking its thread until it is done. That is right on a plain
    /// thread only, where Vapor expects `shutdown()` (it marks it `noasync`): on an event loop, or in synchronous code
    /// that a Swift task runs on the concurrency pool, a blocked thread may be one the close needs, and the wait could
    /// never end. There the close starts without waiting, a warning says so, and `asyncShutdown()` is the call to use.
    struct ClosingHandler: LifecycleHandler {
        let closing: DeploymentClosing

        init(deployment: Deployment) {
            closing = DeploymentClosing(deployment: deployment)
        }

        func shutdownAsync(_ application: Application) async {
            await closing.start().value
        }

        func shutdown(_ application: Application) {
            let closed = closing.start()
            guard Self.mayBlockThisThread else {
                application.logger.warning("""
                    app.shutdown() ran on an event loop or in a Swift task, where waiting could deadlock: IdentityStorage's \
                    connections close in the background. Call `try await app.asyncShutdown()` from async code.
                    """)
                return
            }
            let done = DispatchSemaphore(value: 0)
            Task {
                await closed.value
                done.signal()
            }
            done.wait()
        }

        /// Whether this thread is neither an event loop's nor running a Swift task, so waiting on it starves nothing.
        static var mayBlockThisThread: Bool {
            MultiThreadedEventLoopGroup.currentEventLoop == nil && withUnsafeCurrentTask { $0 == nil }
        }
    }

    /// The one close of a deployment: started by whichever shutdown path comes first, awaited by every caller.
    final class DeploymentClosing: Sendable {
        private let deployment: Deployment
        private let closing = Mutex<Task<Void, Never>?>(nil)

        init(deployment: Deployment) {
            self.deployment = deployment
        }

        /// The close, started by the first call.
        func start() -> Task<Void, Never> {
            closing.withLock { closing in
                if let closing { return closing }
                let started = Task { [deployment] in await deployment.close() }
                closing = started
                return started
            }
        }
    }
}
#endif  // Vapor
