#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import IdentityStorage
import IdentityStorageVapor
import ServerTestSupport
import Testing
import Vapor
import VaporTesting

/// Vapor's sessions on every backend: a session started by one application instance is read by another that opened
/// the same backend itself, and ends for both when destroyed.
@Suite struct VaporSessionTests {
    @Test(arguments: TestBackend.allCases)
    func sessionSurvivesIntoAnotherInstance(_ backend: TestBackend) async throws {
        let setCookie = try await withIdentityStorageApp(backend) { app in
            try await app.testing().sendRequest(.POST, "login").headers.first(name: .setCookie)
        }
        let cookie = try #require(setCookie??.split(separator: ";").first.map(String.init))
        try await withIdentityStorageApp(backend) { app in
            let client = try app.testing()
            try await client.test(.GET, "me", headers: ["Cookie": cookie]) { #expect($0.body.string == "ada") }
            try await client.test(.GET, "me", headers: ["Cookie": "vapor-session=forged"]) { #expect($0.body.string == "(nobody)") }
            try await client.test(.POST, "logout", headers: ["Cookie": cookie]) { #expect($0.status == .ok) }
        }
        try await withIdentityStorageApp(backend) { app in
            try await app.testing().test(.GET, "me", headers: ["Cookie": cookie]) { #expect($0.body.string == "(nobody)") }
        }
    }
}
#endif  // Vapor
