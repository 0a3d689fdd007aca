#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import IdentityStorageHummingbird

/// A value with structure, for the Codable cases.
struct Profile: Codable, Equatable, ResponseEncodable {
    let name: String
    let visits: Int
}

/// Routes over a persist driver, as Hummingbird's own persist tests drive its drivers: `/persist/:key` holds strings
/// (PUT sets, POST creates, `?expires=` in seconds), `/profile/:key` holds ``Profile``s.
func persistRoutes(_ persist: IdentityStoragePersistDriver) -> Router<BasicRequestContext> {
    let router = Router()
    @Sendable func expiry(_ request: Request) -> Duration? { request.uri.queryParameters.get("expires", as: Int.self).map(Duration.seconds) }

    router.put("/persist/:key") { request, context -> HTTPResponse.Status in
        let value = String(buffer: try await request.body.collect(upTo: 1 << 20))
        try await persist.set(key: context.parameters.require("key"), value: value, expires: expiry(request))
        return .ok
    }
    router.post("/persist/:key") { request, context -> HTTPResponse.Status in
        let value = String(buffer: try await request.body.collect(upTo: 1 << 20))
        do {
            try await persist.create(key: context.parameters.require("key"), value: value, expires: expiry(request))
        } catch let error as PersistError where error == .duplicate {
            return .conflict
        }
        return .created
    }
    router.get("/persist/:key") { _, context -> String? in
        try await persist.get(key: context.parameters.require("key"), as: String.self)
    }
    // The time to live in whole milliseconds, "none" for a value without expiry.
    router.get("/persist/:key/ttl") { _, context -> String? in
        try await persist.getWithTTL(key: context.parameters.require("key"), as: String.self)
            .map { $0.ttl.map { String($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? "none" }
    }
    // The value read as a number: a live string is an invalid conversion (400), as in Hummingbird's own tests.
    router.get("/persist/:key/number") { _, context -> String? in
        try await badRequestOnInvalidConversion { try await persist.get(key: context.parameters.require("key"), as: Int.self).map(String.init) }
    }
    router.get("/persist/:key/number/ttl") { _, context -> String? in
        try await badRequestOnInvalidConversion {
            try await persist.getWithTTL(key: context.parameters.require("key"), as: Int.self).map { String($0.object) }
        }
    }
    router.delete("/persist/:key") { _, context -> HTTPResponse.Status in
        try await persist.remove(key: context.parameters.require("key"))
        return .noContent
    }
    router.put("/profile/:key") { request, context -> HTTPResponse.Status in
        let profile = try await request.decode(as: Profile.self, context: context)
        try await persist.set(key: context.parameters.require("key"), value: profile, expires: expiry(request))
        return .ok
    }
    router.get("/profile/:key") { _, context -> Profile? in
        try await badRequestOnInvalidConversion { try await persist.get(key: context.parameters.require("key"), as: Profile.self) }
    }
    return router
}

/// `body`'s result; `PersistError.invalidConversion` becomes a 400, as Hummingbird's own persist tests map it.
private func badRequestOnInvalidConversion<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as PersistError where error == .invalidConversion {
        throw HTTPError(.badRequest)
    }
}
#endif  // Hummingbird
