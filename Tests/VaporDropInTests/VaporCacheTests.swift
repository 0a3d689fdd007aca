#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import IdentityStorage
import IdentityStorageVapor
import ServerTestSupport
import Testing
import Vapor
import VaporTesting

/// Vapor's cache on every backend, through Vapor's own testing module.
@Suite struct VaporCacheTests {
    @Test(arguments: TestBackend.allCases)
    func setGetTwiceAndDelete(_ backend: TestBackend) async throws {
        let key = uniqueName("v")
        try await withIdentityStorageApp(backend) { app in
            let client = try app.testing()
            try await client.test(.GET, "cache/\(key)") { #expect($0.body.string == "(none)") }
            try await client.test(.PUT, "cache/\(key)", body: ByteBuffer(string: "first")) { #expect($0.status == .ok) }
            try await client.test(.GET, "cache/\(key)") { #expect($0.body.string == "first") }
            try await client.test(.PUT, "cache/\(key)", body: ByteBuffer(string: "second"))
            try await client.test(.GET, "cache/\(key)") { #expect($0.body.string == "second") }
            try await client.test(.DELETE, "cache/\(key)") { #expect($0.status == .noContent) }
            try await client.test(.GET, "cache/\(key)") { #expect($0.body.string == "(none)") }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func expiredValuesAreGone(_ backend: TestBackend) async throws {
        let (soon, later) = (uniqueName("soon"), uniqueName("later"))
        try await withIdentityStorageApp(backend) { app in
            let client = try app.testing()
            let stopwatch = Stopwatch()
            try await client.test(.PUT, "cache/\(soon)?expires=2", body: ByteBuffer(string: "soon"))
            try await client.test(.PUT, "cache/\(later)?expires=60", body: ByteBuffer(string: "later"))
            let early = try await client.sendRequest(.GET, "cache/\(soon)").body.string
            if stopwatch.isWithin(.seconds(2)) { #expect(early == "soon") }
            try await Task.sleep(for: .milliseconds(2300))
            try await client.test(.GET, "cache/\(soon)") { #expect($0.body.string == "(none)") }
            try await client.test(.GET, "cache/\(later)") { #expect($0.body.string == "later") }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func codableValuesAndTheWrongType(_ backend: TestBackend) async throws {
        let key = uniqueName("profile")
        try await withIdentityStorageApp(backend) { app in
            let client = try app.testing()
            try await client.test(.PUT, "profile/\(key)", beforeRequest: { try $0.content.encode(Profile(name: "Ada", visits: 3)) }) {
                #expect($0.status == .ok)
            }
            try await client.test(.GET, "profile/\(key)") { response in
                let profile = try response.content.decode(Profile.self)
                #expect(profile == Profile(name: "Ada", visits: 3))
            }
            try await client.test(.GET, "cache/\(key)/number") { #expect($0.body.string == "(none)") }
        }
    }

    /// The application opened the store by URL, so its shutdown closes the store's connections.
    @Test(arguments: TestBackend.allCases.filter { $0 != .memory })
    func shutdownClosesTheStore(_ backend: TestBackend) async throws {
        guard let deployment = try await withIdentityStorageApp(backend, { app in app.identityStorage.deployment }) else { return }
        let closed = try #require(deployment)
        await #expect(throws: IdentityStorageError.self) { try await closed.makeStores().cache.get("after-shutdown") }
    }
}
#endif  // Vapor
