#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import Foundation
// Testable for `Cookie(from:)`, Hummingbird's own parser of a Set-Cookie header (internal).
@testable import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import IdentityStorage
import IdentityStorageHummingbird
import ServerTestSupport
import Testing

/// Hummingbird's session middleware (hummingbird-auth) on the persist driver: a session made by one application
/// instance is read by another that opened the same backend by itself.
@Suite struct SessionTests {
    struct UserSession: Codable, Sendable {
        let user: String
    }

    /// The session type of a later deploy, which a ``UserSession`` does not decode as.
    struct AccountSession: Codable, Sendable {
        let account: Int
    }

    /// An application with `/login` (makes a session) and `/me` (the session's user) over `store`.
    func sessionApplication(_ store: OpenedStore, keyPrefix: String) -> some ApplicationProtocol {
        let router = Router(context: BasicSessionRequestContext<UserSession, String>.self)
        router.add(middleware: SessionMiddleware(storage: IdentityStoragePersistDriver(cache: store.makeStores().cache, keyPrefix: keyPrefix)))
        router.post("/login") { _, context -> HTTPResponse.Status in
            context.sessions.createSession(UserSession(user: "ada"), expiresIn: .seconds(600))
            return .ok
        }
        router.get("/me") { _, context -> String? in context.sessions.session?.user }
        return Application(router: router)
    }

    @Test(arguments: TestBackend.allCases)
    func sessionSurvivesIntoAnotherInstance(_ backend: TestBackend) async throws {
        guard let first = try await sharedStores.store(backend) else { return }
        let keyPrefix = uniqueName("session") + ":"
        let setCookie = try await sessionApplication(first, keyPrefix: keyPrefix).test(.router) { client in
            try await client.execute(uri: "/login", method: .post) { $0.headers[.setCookie] }
        }
        let cookie = try #require(setCookie?.split(separator: ";").first.map(String.init))
        let user = try await sharedStores.withSecondStore(backend) { second in
            try await self.sessionApplication(second, keyPrefix: keyPrefix).test(.router) { client in
                try await client.execute(uri: "/me", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            }
        }
        #expect(user == "ada")
        let stranger = try await sessionApplication(first, keyPrefix: keyPrefix).test(.router) { client in
            try await client.execute(uri: "/me", method: .get, headers: [.cookie: "SESSION_ID=forged"]) { $0.status }
        }
        #expect(stranger == .noContent)
    }

    /// After a deploy that changed the session type, a cookie of the old type is expired by `SessionMiddleware` and its
    /// session removed, as with Hummingbird's own drivers: the driver throws `PersistError.invalidConversion`.
    @Test(arguments: TestBackend.allCases)
    func sessionOfAnOldTypeHasItsCookieExpired(_ backend: TestBackend) async throws {
        guard let store = try await sharedStores.store(backend) else { return }
        let keyPrefix = uniqueName("session") + ":"
        let setCookie = try await sessionApplication(store, keyPrefix: keyPrefix).test(.router) { client in
            try await client.execute(uri: "/login", method: .post) { $0.headers[.setCookie] }
        }
        let issued = try #require(setCookie.flatMap { Cookie(from: $0[...]) })

        let persist = IdentityStoragePersistDriver(cache: store.makeStores().cache, keyPrefix: keyPrefix)
        let router = Router(context: BasicSessionRequestContext<AccountSession, String>.self)
        router.add(middleware: SessionMiddleware(storage: persist))
        router.get("/account") { _, context -> String? in context.sessions.session.map { String($0.account) } }
        let expiring = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/account", method: .get, headers: [.cookie: "\(issued.name)=\(issued.value)"]) { response in
                #expect(response.status == .noContent)
                return response.headers[.setCookie]
            }
        }
        let expired = try #require(expiring.flatMap { Cookie(from: $0[...]) })
        #expect(expired.value == issued.value)
        #expect(try #require(expired.expires) <= .now)
        #expect(try await persist.get(key: "hbs.\(issued.value)", as: UserSession.self) == nil)
    }
}
#endif  // Hummingbird
