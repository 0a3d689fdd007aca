#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
// Ported from hummingbird 2.28.1 (github.com/hummingbird-project/hummingbird, commit 26726d0d),
// Tests/HummingbirdTests/PersistTests.swift, licensed under the Apache License 2.0 (header below).
// Changed: each test runs on every backend of this suite with IdentityStoragePersistDriver over the backend's cache
// (a key prefix of its own) where upstream makes a MemoryPersistDriver; the routes and every assertion are upstream's.
// A test whose backend's server does not answer returns at once, as the other tests of this target do. Lifetimes of
// 10 s that must not run out between two requests are 600 s: on a loaded 2-core machine two requests took longer.
//
//
// This source file is part of the Hummingbird server framework project
// Copyright (c) the Hummingbird authors
//
// See LICENSE.txt for license information
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Hummingbird
import HummingbirdTesting
import IdentityStorageHummingbird
import ServerTestSupport
import Testing

/// Hummingbird's own persist tests, on IdentityStorage's driver.
@Suite struct HummingbirdPersistTests {
    static let redisHostname = Environment().get("REDIS_HOSTNAME") ?? "localhost"

    func createRouter(
        _ backend: TestBackend, test: String = #function
    ) async throws -> (Router<BasicRequestContext>, any PersistDriver)? {
        let router = Router()
        guard let persist = try await identityStoragePersist(backend, test: test) else { return nil }

        router.put("/persist/:tag") { request, context -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            try await persist.set(key: tag, value: String(buffer: buffer))
            return .ok
        }
        router.put("/persist/:tag/:time") { request, context -> HTTPResponse.Status in
            guard let time = context.parameters.get("time", as: Int.self) else { throw HTTPError(.badRequest) }
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            try await persist.set(key: tag, value: String(buffer: buffer), expires: .seconds(time))
            return .ok
        }
        router.get("/persist/:tag") { _, context -> String? in
            guard let tag = context.parameters.get("tag", as: String.self) else { throw HTTPError(.badRequest) }
            return try await persist.get(key: tag, as: String.self)
        }
        router.get("/persist/:tag/ttl") { _, context -> String? in
            guard let tag = context.parameters.get("tag", as: String.self) else { throw HTTPError(.badRequest) }
            return try await persist.getWithTTL(key: tag, as: String.self)?.ttl.map { String($0.components.seconds) }
        }
        router.delete("/persist/:tag") { _, context -> HTTPResponse.Status in
            guard let tag = context.parameters.get("tag", as: String.self) else { throw HTTPError(.badRequest) }
            try await persist.remove(key: tag)
            return .noContent
        }
        return (router, persist)
    }

    @Test(arguments: TestBackend.allCases) func testSetGet(_ backend: TestBackend) async throws {
        guard case let (router, _)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in
            let tag = UUID().uuidString
            try await client.execute(uri: "/persist/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "Persist")) { _ in }
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(String(buffer: response.body) == "Persist")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testCreateGet(_ backend: TestBackend) async throws {
        guard case let (router, persist)? = try await createRouter(backend) else { return }

        router.put("/create/:tag") { request, context -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            try await persist.create(key: tag, value: String(buffer: buffer))
            return .ok
        }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in
            let tag = UUID().uuidString
            try await client.execute(uri: "/create/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "Persist")) { _ in }
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(String(buffer: response.body) == "Persist")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testDoubleCreateFail(_ backend: TestBackend) async throws {
        guard case let (router, persist)? = try await createRouter(backend) else { return }
        router.put("/create/:tag") { request, context -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: .max)
            let tag = try context.parameters.require("tag")
            do {
                try await persist.create(key: tag, value: String(buffer: buffer))
            } catch let error as PersistError where error == .duplicate {
                throw HTTPError(.conflict)
            }
            return .ok
        }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in
            let tag = UUID().uuidString
            try await client.execute(uri: "/create/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "Persist")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/create/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "Persist")) { response in
                #expect(response.status == .conflict)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testSetTwice(_ backend: TestBackend) async throws {
        guard case let (router, _)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in

            let tag = UUID().uuidString
            try await client.execute(uri: "/persist/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "test1")) { _ in }
            try await client.execute(uri: "/persist/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "test2")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(String(buffer: response.body) == "test2")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testExpires(_ backend: TestBackend) async throws {
        guard case let (router, _)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in

            let tag1 = UUID().uuidString
            let tag2 = UUID().uuidString

            try await client.execute(uri: "/persist/\(tag1)/0", method: .put, body: ByteBufferAllocator().buffer(string: "ThisIsTest1")) { _ in }
            try await client.execute(uri: "/persist/\(tag2)/600", method: .put, body: ByteBufferAllocator().buffer(string: "ThisIsTest2")) { _ in }
            try await Task.sleep(nanoseconds: 1_000_000_000)
            try await client.execute(uri: "/persist/\(tag1)", method: .get) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/persist/\(tag2)", method: .get) { response in
                #expect(String(buffer: response.body) == "ThisIsTest2")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testTTL(_ backend: TestBackend) async throws {
        guard case let (router, _)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in

            let tag1 = UUID().uuidString

            try await client.execute(uri: "/persist/\(tag1)/600", method: .put, body: ByteBufferAllocator().buffer(string: "ThisIsTest2")) { _ in }
            try await client.execute(uri: "/persist/\(tag1)/ttl", method: .get) { response in
                let ttl = try #require(Int(String(buffer: response.body)))
                #expect(ttl <= 600 && ttl > 1)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testCodable(_ backend: TestBackend) async throws {
        struct TestCodable: Codable {
            let buffer: String
        }
        guard case let (router, persist)? = try await createRouter(backend) else { return }
        router.put("/codable/:tag") { request, context -> HTTPResponse.Status in
            guard let tag = context.parameters.get("tag") else { throw HTTPError(.badRequest) }
            let buffer = try await request.body.collect(upTo: .max)
            try await persist.set(key: tag, value: TestCodable(buffer: String(buffer: buffer)))
            return .ok
        }
        router.get("/codable/:tag") { _, context -> String? in
            guard let tag = context.parameters.get("tag") else { throw HTTPError(.badRequest) }
            let value = try await persist.get(key: tag, as: TestCodable.self)
            return value?.buffer
        }
        let app = Application(responder: router.buildResponder())

        try await app.test(.router) { client in

            let tag = UUID().uuidString
            try await client.execute(uri: "/codable/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "Persist")) { _ in }
            try await client.execute(uri: "/codable/\(tag)", method: .get) { response in
                #expect(String(buffer: response.body) == "Persist")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testInvalidGetAs(_ backend: TestBackend) async throws {
        struct TestCodable: Codable {
            let buffer: String
        }
        guard case let (router, persist)? = try await createRouter(backend) else { return }
        router.put("/invalid") { _, _ -> HTTPResponse.Status in
            try await persist.set(key: "test", value: TestCodable(buffer: "hello"))
            return .ok
        }
        router.get("/invalid") { _, _ -> String? in
            do {
                return try await persist.get(key: "test", as: String.self)
            } catch let error as PersistError where error == .invalidConversion {
                throw HTTPError(.badRequest)
            }
        }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/invalid", method: .put)
            try await client.execute(uri: "/invalid", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testRemove(_ backend: TestBackend) async throws {
        guard case let (router, _)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in
            let tag = UUID().uuidString
            try await client.execute(uri: "/persist/\(tag)", method: .put, body: ByteBufferAllocator().buffer(string: "ThisIsTest1")) { _ in }
            try await client.execute(uri: "/persist/\(tag)", method: .delete) { _ in }
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(response.status == .noContent)
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testExpireAndAdd(_ backend: TestBackend) async throws {
        guard case let (router, _)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder())
        try await app.test(.router) { client in

            let tag = UUID().uuidString
            try await client.execute(uri: "/persist/\(tag)/0", method: .put, body: ByteBufferAllocator().buffer(string: "ThisIsTest1")) { _ in }
            try await Task.sleep(nanoseconds: 1_000_000_000)
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/persist/\(tag)/600", method: .put, body: ByteBufferAllocator().buffer(string: "ThisIsTest1")) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ThisIsTest1")
            }
        }
    }

    @Test(arguments: TestBackend.allCases) func testTidy(_ backend: TestBackend) async throws {
        // Upstream tidies its memory every millisecond here; the backend expires entries itself, so our driver has no
        // tidy frequency, and as a service it only waits for graceful shutdown.
        guard case let (router, persist)? = try await createRouter(backend) else { return }
        let app = Application(responder: router.buildResponder(), services: [persist])
        try await app.test(.router) { client in
            let tag = UUID().uuidString
            try await client.execute(uri: "/persist/\(tag)/600", method: .put, body: ByteBufferAllocator().buffer(string: "NotExpired")) { _ in }
            try await Task.sleep(for: .milliseconds(20))
            try await client.execute(uri: "/persist/\(tag)", method: .get) { response in
                #expect(String(buffer: response.body) == "NotExpired")
            }
        }
    }
}
#endif  // Hummingbird
