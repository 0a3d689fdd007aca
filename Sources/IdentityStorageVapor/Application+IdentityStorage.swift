#if Vapor  // the package trait that brings this target's web framework (Package.swift)
public import IdentityStorage
public import Vapor

extension Application {
    /// The application's IdentityStorage deployment: open it once in `configure`, then use its cache and sessions.
    ///
    /// ```swift
    /// func configure(_ app: Application) async throws {
    ///     try await app.identityStorage.open(DeploymentURLs(store: Environment.get("IDSTORE_URL") ?? "sqlite:identity.db"),
    ///                                        opener: .builtIn)
    ///     app.caches.use(.identityStorage)
    ///     app.sessions.use(.identityStorage)
    ///     app.middleware.use(app.sessions.middleware)
    /// }
    /// ```
    public var identityStorage: IdentityStorageVaporSupport { IdentityStorageVaporSupport(application: self) }
}

/// Opens, holds and closes an application's `Deployment`, or holds stores opened elsewhere.
public struct IdentityStorageVaporSupport: Sendable {
    let application: Application

    struct Key: StorageKey {
        typealias Value = Opened
    }

    /// The stores, made once, and the deployment they come from when the application opened it.
    struct Opened: Sendable {
        let deployment: Deployment?
        let stores: IdentityStores
    }

    /// Opens the deployment at `urls` through `opener` (`StoreOpener.builtIn` from IdentityStorageOpener, or your
    /// drivers) and keeps it in the application; its connections close when the application shuts down, by
    /// `try await app.asyncShutdown()` or, from a plain thread (not an event loop, not a Swift task), `app.shutdown()`.
    /// - Throws: `IdentityStorageError` for a URL no driver opens or a store that cannot be reached.
    public func open(_ urls: DeploymentURLs, opener: StoreOpener, options: StoreOpenOptions = StoreOpenOptions()) async throws {
        let deployment = try await opener.openDeployment(urls, options: options)
        application.storage[Key.self] = Opened(deployment: deployment, stores: deployment.makeStores())
        application.lifecycle.use(ClosingHandler(deployment: deployment))
    }

    /// Uses stores the caller opened and closes (several applications in one process sharing one deployment, or a
    /// deployment that also runs in a `ServiceGroup`).
    public func use(_ stores: IdentityStores) {
        application.storage[Key.self] = Opened(deployment: nil, stores: stores)
    }

    /// The deployment ``open(_:opener:options:)`` opened; nil after ``use(_:)``. Opening comes first: without it this
    /// stops the application, as Vapor does for any provider that was not configured.
    public var deployment: Deployment? { opened.deployment }

    /// The deployment's stores (grants, clients, the cache, …) for the application's own use.
    public var stores: IdentityStores { opened.stores }

    private var opened: Opened {
        guard let opened = application.storage[Key.self] else {
            fatalError("IdentityStorage is not opened. Call `try await app.identityStorage.open(…)` in configure first.")
        }
        return opened
    }
}

extension Application.Caches.Provider {
    /// Vapor's cache on the deployment's distributed cache (``IdentityStorageCache``).
    public static var identityStorage: Self {
        .init { app in
            app.caches.use { app in IdentityStorageCache(cache: app.identityStorage.stores.cache, eventLoop: app.eventLoopGroup.any()) }
        }
    }
}

extension Application.Sessions.Provider {
    /// Vapor's sessions on the deployment's distributed cache (``IdentityStorageSessions``).
    public static var identityStorage: Self {
        .init { app in
            app.sessions.use { app in IdentityStorageSessions(cache: app.identityStorage.stores.cache) }
        }
    }
}
#endif  // Vapor
