#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
// Ported from hummingbird-auth 2.5.0 (github.com/hummingbird-project/hummingbird-auth, commit fd24767a),
// Tests/HummingbirdAuthTests/SessionTests.swift, licensed under the Apache License 2.0 (header below).
// Changed: each test runs on every backend of this suite with IdentityStoragePersistDriver over the backend's cache
// (a key prefix of its own) where upstream makes a MemoryPersistDriver; the routes and every assertion are upstream's.
// A test whose backend's server does not answer returns at once, as the other tests of this target do. Upstream's
// imports of HummingbirdAuthTesting and NIOPosix are dropped: nothing here uses them. testSessiontTTL's windows
// (a TTL at most 5 s below what was set) count the time its requests took: on a loaded 2-core machine they took longer.
//
//
// This source file is part of the Hummingbird server framework project
// Copyright (c) the Hummingbird authors
//
// See LICENSE.txt for license information
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import HummingbirdAuth
import HummingbirdTesting
import IdentityStorageHummingbird
import ServerTestSupport
import Testing

@testable import Hummingbird

/// hummingbird-auth's own session tests, on IdentityStorage's driver.
@Suite struct HummingbirdAuthSessionTests {
    @Test(arguments: TestBackend.allCases) func testSessionAuthenticator(_ backend: TestBackend) async throws {
        struct User: Sendable {
            let name: String
        }

        struct TestUserRepository: UserSessionRepository {
            static let testSessionId = 89

            func getUser(from id: Int, context: UserRepositoryContext) async throws -> User? {
                let user = self.users[id]
                return user
            }

            let users = [Self.testSessionId: User(name: "Adam")]
        }

        guard let persist = try await identityStoragePersist(backend) else { return }

        let router = Router(context: BasicSessionRequestContext<Int, User>.self)
        router.addMiddleware {
            SessionMiddleware(storage: persist)
        }
        router.put("session") { _, context -> Response in
            context.sessions.createSession(TestUserRepository.testSessionId)
            return .init(status: .ok)
        }
        router.group()
            .add(middleware: SessionAuthenticator(users: TestUserRepository()))
            .get("session") { _, context -> HTTPResponse.Status in
                guard context.identity != nil else {
                    return .unauthorized
                }
                return .ok
            }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            let responseCookies = try await client.execute(uri: "/session", method: .put) { response -> String? in
                #expect(response.status == .ok)
                return response.headers[.setCookie]
            }
            let cookies = try #require(responseCookies)
            try await client.execute(uri: "/session", method: .get, headers: [.cookie: cookies]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSessionAuthenticatorClosure(_ backend: TestBackend) async throws {
        struct User: Sendable {
            let name: String
        }
        struct TestSession: Codable {
            let userID: String
        }
        let router = Router(context: BasicSessionRequestContext<TestSession, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        router.addMiddleware {
            SessionMiddleware(storage: persist)
        }
        router.put("session") { _, context -> HTTPResponse.Status in
            context.sessions.createSession(.init(userID: "Adam"))
            return .ok
        }
        router.group()
            .addMiddleware {
                SessionAuthenticator { session, _ -> User? in
                    User(name: session.userID)
                }
            }
            .get("session") { _, context -> HTTPResponse.Status in
                guard context.identity != nil else {
                    return .unauthorized
                }
                return .ok
            }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            let responseCookies = try await client.execute(uri: "/session", method: .put) { response -> String? in
                #expect(response.status == .ok)
                return response.headers[.setCookie]
            }
            let cookies = try #require(responseCookies)
            try await client.execute(uri: "/session", method: .get, headers: [.cookie: cookies]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSessionUpdate(_ backend: TestBackend) async throws {
        struct User: Codable, Sendable {
            var name: String
        }

        let router = Router(context: BasicSessionRequestContext<User, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        router.add(middleware: SessionMiddleware(storage: persist))
        router.post("save") { request, context -> HTTPResponse.Status in
            guard
                let name = request.uri.queryParameters.get("name")
            else {
                throw HTTPError(.badRequest)
            }
            context.sessions.createSession(User(name: name), expiresIn: .seconds(600))
            return .ok
        }
        router.post("update") { request, context -> HTTPResponse.Status in
            guard let name = request.uri.queryParameters.get("name") else { throw HTTPError(.badRequest) }
            guard context.sessions.updateSession(User(name: name)) else { throw HTTPError(.badRequest) }
            return .ok
        }
        router.post("updateExpires") { request, context -> HTTPResponse.Status in
            context.sessions.withLockedSession { $0?.expiresIn = .seconds(600) }
            return .ok
        }
        router.get("name") { _, context -> String in
            guard let user = context.sessions.session else { throw HTTPError(.unauthorized) }
            return user.name
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            var cookie = try await client.execute(uri: "/save?name=john", method: .post) { response -> String in
                #expect(response.status == .ok)
                return try #require(response.headers[.setCookie])
            }
            try await client.execute(uri: "/update?name=jane", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.setCookie] == nil)
            }
            // get save username
            try await client.execute(uri: "/name", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                let buffer = response.body
                #expect(String(buffer: buffer) == "jane")
            }
            cookie = try await client.execute(uri: "/updateExpires", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                // if we update the cookie expiration date a set-cookie header should be returned
                let newCookieHeader = try #require(response.headers[.setCookie])
                // check we are updating the existing cookie
                let cookieCookie = try #require(Cookie(from: cookie[...]))
                let newCookie = try #require(Cookie(from: newCookieHeader[...]))
                #expect(cookieCookie.value == newCookie.value)
                return newCookieHeader
            }
            // get save username
            try await client.execute(uri: "/name", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                let body = response.body
                #expect(String(buffer: body) == "jane")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSessiontTTL(_ backend: TestBackend) async throws {
        struct User: Codable, Sendable {
            var name: String
        }
        let router = Router(context: BasicSessionRequestContext<User, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        router.add(middleware: SessionMiddleware(storage: persist))
        router.post("save") { request, context -> HTTPResponse.Status in
            guard
                let name = request.uri.queryParameters.get("name")
            else {
                throw HTTPError(.badRequest)
            }
            context.sessions.createSession(User(name: name), expiresIn: .seconds(600))
            return .ok
        }
        router.get("ttl") { request, context in
            context.sessions.withLockedSession { $0.map { String($0.expiresIn?.components.seconds ?? -1) } ?? "No-session" }
        }
        router.post("updateExpires/{expire}") { request, context -> HTTPResponse.Status in
            let expiresIn = try context.parameters.require("expire", as: Int.self)
            context.sessions.withLockedSession { $0?.expiresIn = .seconds(expiresIn) }
            return .ok
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            let saved = ContinuousClock.now
            let cookie = try await client.execute(uri: "/save?name=john", method: .post) { response -> String in
                #expect(response.status == .ok)
                return try #require(response.headers[.setCookie])
            }
            try await client.execute(uri: "/ttl", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.setCookie] == nil)
                let value = try #require(Int(String(buffer: response.body)))
                #expect(value < 600 && value > 595 - Self.secondsSince(saved))
            }
            let updated = ContinuousClock.now
            try await client.execute(uri: "/updateExpires/70", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.setCookie] != nil)
            }
            try await client.execute(uri: "/ttl", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
                let value = try #require(Int(String(buffer: response.body)))
                #expect(value < 70 && value > 65 - Self.secondsSince(updated))
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSessionDeletion(_ backend: TestBackend) async throws {
        struct User: Codable, Sendable {
            let name: String
        }

        let router = Router(context: BasicSessionRequestContext<User, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        router.add(middleware: SessionMiddleware(storage: persist))
        router.post("login") { request, context -> HTTPResponse.Status in
            guard let name = request.uri.queryParameters.get("name") else { throw HTTPError(.badRequest) }
            context.sessions.createSession(User(name: name), expiresIn: .seconds(600))
            return .ok
        }
        router.post("logout") { _, context -> HTTPResponse.Status in
            context.sessions.clearSession()
            return .ok
        }
        router.get("name") { _, context -> String in
            guard let user = context.sessions.session else { throw HTTPError(.unauthorized) }
            return user.name
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            let cookies = try await client.execute(uri: "/login?name=john", method: .post) { response -> String? in
                #expect(response.status == .ok)
                return response.headers[.setCookie]
            }
            // get username
            try await client.execute(uri: "/name", method: .get, headers: cookies.map { [.cookie: $0] } ?? [:]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "john")
            }
            let cookies2 = try await client.execute(uri: "/logout", method: .post) { response -> String? in
                #expect(response.status == .ok)
                return response.headers[.setCookie]
            }
            // get username
            try await client.execute(uri: "/name", method: .get, headers: cookies2.map { [.cookie: $0] } ?? [:]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSessionCookieParameters(_ backend: TestBackend) async throws {
        struct User: Codable, Sendable {
            var name: String
        }

        let router = Router(context: BasicSessionRequestContext<User, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        router.add(
            middleware: SessionMiddleware(
                storage: persist,
                configuration: .init(
                    sessionCookieParameters: .init(
                        name: "TEST_SESSION_COOKIE",
                        domain: "https://test.com",
                        path: "/test",
                        secure: true,
                        sameSite: .strict
                    )
                )
            )
        )
        router.post("save") { request, context -> HTTPResponse.Status in
            guard
                let name = request.uri.queryParameters.get("name")
            else {
                throw HTTPError(.badRequest)
            }
            context.sessions.createSession(User(name: name), expiresIn: .seconds(600))
            return .ok
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            try await client.execute(uri: "/save?name=john", method: .post) { response in
                #expect(response.status == .ok)
                let setCookieHeader = try #require(response.headers[.setCookie])
                let cookie = try #require(Cookie(from: setCookieHeader[...]))
                #expect(cookie.name == "TEST_SESSION_COOKIE")
                #expect(cookie.domain == "https://test.com")
                #expect(cookie.path == "/test")
                #expect(cookie.secure == true)
                #expect(cookie.sameSite == .strict)
                let value = try await persist.get(key: "hbs.\(cookie.value)", as: User.self)
                #expect(value?.name == "john")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSessionKeyPrefix(_ backend: TestBackend) async throws {
        struct User: Codable, Sendable {
            var name: String
        }
        let router = Router(context: BasicSessionRequestContext<User, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        router.add(
            middleware: SessionMiddleware(
                storage: persist,
                configuration: .init(keyPrefix: "hbTest/")
            )
        )
        router.post("save") { request, context -> HTTPResponse.Status in
            guard let name = request.uri.queryParameters.get("name") else {
                throw HTTPError(.badRequest)
            }
            context.sessions.createSession(User(name: name), expiresIn: .seconds(600))
            return .ok
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            try await client.execute(uri: "/save?name=john", method: .post) { response in
                #expect(response.status == .ok)
                let setCookieHeader = try #require(response.headers[.setCookie])
                let cookie = try #require(Cookie(from: setCookieHeader[...]))
                let value = try await persist.get(key: "hbTest/\(cookie.value)", as: User.self)
                #expect(value?.name == "john")
            }
        }
    }

    /// Save session as one type and retrieve as another.
    @Test(arguments: TestBackend.allCases) func testInvalidSession(_ backend: TestBackend) async throws {
        struct User: Codable, Sendable {
            let name: String
        }

        let router = Router(context: BasicSessionRequestContext<UUID, User>.self)
        guard let persist = try await identityStoragePersist(backend) else { return }
        let sessionStorage = SessionStorage<Int>(persist)
        let cookie = try await sessionStorage.save(session: 1, expiresIn: .seconds(60))
        router.add(middleware: SessionMiddleware(storage: persist))
        router.post("test") { _, context in
            context.sessions.session?.description
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            try await client.execute(uri: "/test", method: .post, headers: [.cookie: cookie.description]) { response in
                #expect(response.status == .noContent)
                let setCookieHeader = try #require(response.headers[.setCookie])
                let cookie = Cookie(from: setCookieHeader[...])
                let expires = try #require(cookie?.expires)
                #expect(expires <= .now)
            }
        }
    }

    /// Test an attacker cannot define the session id before a user logs in
    @Test(arguments: TestBackend.allCases) func testSessionFixation(_ backend: TestBackend) async throws {
        struct User: Sendable {
            let id: UUID
            let name: String

            init(name: String) {
                self.id = .init()
                self.name = name
            }
        }

        struct TestUserRepository: UserSessionRepository {
            func getUser(from id: UUID, context: UserRepositoryContext) async throws -> User? {
                self.users.first { $0.id == id }
            }
            func getUser(named name: String) async throws -> User? {
                self.users.first { $0.name == name }
            }
            let users: [User] = [
                User(name: "adam"),
                User(name: "joannis"),
            ]
        }
        guard let persist = try await identityStoragePersist(backend) else { return }

        let userRepository = TestUserRepository()
        let router = Router(context: BasicSessionRequestContext<UUID, User>.self)
        router.addMiddleware {
            SessionMiddleware(storage: persist)
        }
        router.post("user/login") { request, context -> Response in
            let userName = try request.uri.queryParameters.require("name")
            guard let user = try await userRepository.getUser(named: userName) else {
                throw HTTPError(.unauthorized)
            }
            context.sessions.createSession(user.id)
            return .init(status: .ok)
        }
        router.group()
            .add(middleware: SessionAuthenticator(users: userRepository))
            .get("/user") { _, context -> String in
                let identity = try context.requireIdentity()
                return identity.name
            }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            try await client.execute(uri: "/user/login?name=adam", method: .post, headers: [.cookie: "SESSION_ID=fake-id"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/user", method: .get, headers: [.cookie: "SESSION_ID=fake-id"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    /// Test the session id is not persisted between login sessions
    @Test(arguments: TestBackend.allCases) func testSessionFixation2(_ backend: TestBackend) async throws {
        struct User: Sendable {
            let id: UUID
            let name: String

            init(name: String) {
                self.id = .init()
                self.name = name
            }
        }

        struct TestUserRepository: UserSessionRepository {
            func getUser(from id: UUID, context: UserRepositoryContext) async throws -> User? {
                self.users.first { $0.id == id }
            }
            func getUser(named name: String) async throws -> User? {
                self.users.first { $0.name == name }
            }
            let users: [User] = [
                User(name: "adam"),
                User(name: "joannis"),
            ]
        }
        guard let persist = try await identityStoragePersist(backend) else { return }

        let userRepository = TestUserRepository()
        let router = Router(context: BasicSessionRequestContext<UUID, User>.self)
        router.addMiddleware {
            SessionMiddleware(storage: persist)
        }
        router.post("user/login") { request, context -> Response in
            let userName = try request.uri.queryParameters.require("name")
            guard let user = try await userRepository.getUser(named: userName) else {
                throw HTTPError(.unauthorized)
            }
            context.sessions.createSession(user.id)
            return .init(status: .ok)
        }
        router.group()
            .add(middleware: SessionAuthenticator(users: userRepository))
            .get("/user") { _, context -> String in
                let identity = try context.requireIdentity()
                return identity.name
            }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in
            let responseCookies = try await client.execute(uri: "/user/login?name=adam", method: .post) { response in
                #expect(response.status == .ok)
                return response.headers[.setCookie]
            }
            let cookies = try #require(responseCookies)
            _ = try await client.execute(uri: "/user/login?name=joannis", method: .post, headers: [.cookie: cookies]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/user", method: .get, headers: [.cookie: cookies]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "adam")
            }
        }
    }

    /// Whole seconds from `start` to now: how far a TTL read after it may have counted down beyond upstream's window.
    static func secondsSince(_ start: ContinuousClock.Instant) -> Int {
        Int((ContinuousClock.now - start).components.seconds)
    }
}
#endif  // Hummingbird
