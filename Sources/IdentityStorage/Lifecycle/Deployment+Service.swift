import ServiceLifecycle

/// An opened deployment runs as a swift-service-lifecycle `Service`: `run()` lasts until graceful shutdown (or until
/// its task is cancelled), then closes every store once the calls in flight have finished.
///
/// ```swift
/// let deployment = try await StoreOpener.builtIn.openDeployment(urls, options: options)
/// let group = ServiceGroup(services: [deployment, CleanupService(deployment: deployment), httpServer], logger: logger)
/// try await group.run()
/// ```
extension Deployment: Service {
    public func run() async throws {
        // Returns on graceful shutdown; throws when the task is cancelled. Either way the stores close.
        try? await gracefulShutdown()
        await close()
    }
}

/// An opened store runs as a `Service` as a ``Deployment`` does.
extension OpenedStore: Service {
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
