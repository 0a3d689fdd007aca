import Hummingbird
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
}
