#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import IdentityStorage
import IdentityStorageOpener
import IdentityStorageVapor
import ServerTestSupport
import Testing
import Vapor
import VaporTesting

/// The suite's stores, one per backend.
let sharedStores = try! SharedTestStores(name: "vapor")

/// A value with structure, for the Codable cases.
struct Profile: Content, Equatable {
    let name: String
    let visits: Int
}

/// Runs `body` with a Vapor application whose cache and sessions are IdentityStorage's on `backend`: opened from
/// the backend's URL by the application (closed when it shuts down), or for `memory:`, whose data lives in one
/// store, given the suite's store. Nil when the backend's server does not answer.
@discardableResult
func withIdentityStorageApp<T>(_ backend: TestBackend, test: String = #function, _ body: (Application) async throws -> T) async throws -> T? {
    guard let shared = try await sharedStores.store(backend, test: test) else { return nil }
    let url = try await sharedStores.url(backend)
    return try await withApp(configure: { app in
        if backend == .memory {
            app.identityStorage.use(shared.makeStores())
        } else {
            try await app.identityStorage.open(DeploymentURLs(store: url), opener: .builtIn)
        }
        app.caches.use(.identityStorage)
        app.sessions.use(.identityStorage)
        app.middleware.use(app.sessions.middleware)
        routes(app)
    }, body)
}

/// `/cache/:key` holds strings (PUT sets, `?expires=` in seconds; GET reads, "(none)" when absent; DELETE removes),
/// `/cache/:key/number` reads one as an Int, `/profile/:key` holds ``Profile``s; `/login` starts a session,
/// `/me` reads it, `/logout` ends it.
private func routes(_ app: Application) {
    app.put("cache", ":key") { request async throws -> HTTPStatus in
        let value = request.body.string ?? ""
        let expires = request.query[Int.self, at: "expires"].map(CacheExpirationTime.seconds)
        try await request.cache.set(request.parameters.get("key")!, to: value, expiresIn: expires)
        return .ok
    }
    app.get("cache", ":key") { request async throws -> String in
        try await request.cache.get(request.parameters.get("key")!, as: String.self) ?? "(none)"
    }
    app.get("cache", ":key", "number") { request async throws -> String in
        try await request.cache.get(request.parameters.get("key")!, as: Int.self).map(String.init) ?? "(none)"
    }
    app.delete("cache", ":key") { request async throws -> HTTPStatus in
        try await request.cache.delete(request.parameters.get("key")!)
        return .noContent
    }
    app.put("profile", ":key") { request async throws -> HTTPStatus in
        try await request.cache.set(request.parameters.get("key")!, to: request.content.decode(Profile.self))
        return .ok
    }
    app.get("profile", ":key") { request async throws -> Profile in
        guard let profile = try await request.cache.get(request.parameters.get("key")!, as: Profile.self) else { throw Abort(.notFound) }
        return profile
    }
    app.post("login") { request -> HTTPStatus in
        request.session.data["user"] = "ada"
        return .ok
    }
    app.get("me") { request -> String in request.session.data["user"] ?? "(nobody)" }
    app.post("logout") { request -> HTTPStatus in
        request.session.destroy()
        return .ok
    }
}
#endif  // Vapor
