#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import HummingbirdTesting
import IdentityStorage
import IdentityStorageHummingbird
import IdentityStorageOpener
import NIOCore
import ServerTestSupport
import Testing

/// The suite's stores, one per backend.
let sharedStores = try! SharedTestStores(name: "hummingbird")

/// Hummingbird's persist semantics through its own test client, on every backend.
@Suite struct PersistDriverTests {
    /// Runs `body` with a test client of an application over `backend`'s store, keys under a prefix of the test's own.
    func withClient(_ backend: TestBackend, test: String = #function,
                    _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        guard let store = try await sharedStores.store(backend, test: test) else { return }
        let persist = IdentityStoragePersistDriver(cache: store.makeStores().cache, keyPrefix: uniqueName("persist") + ":")
        try await Application(router: persistRoutes(persist)).test(.router, body)
    }

    @Test(arguments: TestBackend.allCases)
    func setThenGet(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "first")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "first") }
            try await client.execute(uri: "/persist/missing", method: .get) { #expect($0.status == .noContent) }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func createThenDuplicate(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/a", method: .post, body: ByteBuffer(string: "first")) { #expect($0.status == .created) }
            try await client.execute(uri: "/persist/a", method: .post, body: ByteBuffer(string: "second")) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "first") }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func racingCreatesHaveOneWinner(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for racer in 0..<32 {
                    group.addTask {
                        try await client.execute(uri: "/persist/raced", method: .post, body: ByteBuffer(string: "racer \(racer)")) { $0.status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 31)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func setTwiceKeepsTheSecond(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "first"))
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "second")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "second") }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func expiredValuesAreGone(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/now?expires=0", method: .put, body: ByteBuffer(string: "at once"))
            try await client.execute(uri: "/persist/now", method: .get) { #expect($0.status == .noContent) }
            let stopwatch = Stopwatch()
            try await client.execute(uri: "/persist/soon?expires=2", method: .put, body: ByteBuffer(string: "soon"))
            try await client.execute(uri: "/persist/later?expires=60", method: .put, body: ByteBuffer(string: "later"))
            let soon = try await client.execute(uri: "/persist/soon", method: .get) { String(buffer: $0.body) }
            if stopwatch.isWithin(.seconds(2)) { #expect(soon == "soon") }
            try await Task.sleep(for: .milliseconds(2300))
            try await client.execute(uri: "/persist/soon", method: .get) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/persist/later", method: .get) { #expect(String(buffer: $0.body) == "later") }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func timeToLive(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            let stopwatch = Stopwatch()
            try await client.execute(uri: "/persist/a?expires=60", method: .put, body: ByteBuffer(string: "value"))
            let ttl = try await client.execute(uri: "/persist/a/ttl", method: .get) { Int(String(buffer: $0.body)) }
            #expect(try (60_000 - stopwatch.elapsedMilliseconds - 5...60_000).contains(#require(ttl)))
            try await client.execute(uri: "/persist/b", method: .put, body: ByteBuffer(string: "value"))
            try await client.execute(uri: "/persist/b/ttl", method: .get) { #expect(String(buffer: $0.body) == "none") }
            try await client.execute(uri: "/persist/missing/ttl", method: .get) { #expect($0.status == .noContent) }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func setWithoutExpiryKeepsTheExpiry(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            let stopwatch = Stopwatch()
            try await client.execute(uri: "/persist/a?expires=60", method: .put, body: ByteBuffer(string: "first"))
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "second"))
            let ttl = try await client.execute(uri: "/persist/a/ttl", method: .get) { Int(String(buffer: $0.body)) }
            #expect(try (60_000 - stopwatch.elapsedMilliseconds - 5...60_000).contains(#require(ttl)))
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "second") }

            // The second set keeps the expiry when the first value was still live when it ran.
            let short = Stopwatch()
            try await client.execute(uri: "/persist/b?expires=2", method: .put, body: ByteBuffer(string: "first"))
            try await client.execute(uri: "/persist/b", method: .put, body: ByteBuffer(string: "second"))
            let keptExpiry = short.isWithin(.seconds(2))
            try await Task.sleep(for: .milliseconds(2300))
            let status = try await client.execute(uri: "/persist/b", method: .get) { $0.status }
            if keptExpiry { #expect(status == .noContent) }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func codableValues(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            let body = ByteBuffer(string: #"{"name":"Ada","visits":3}"#)
            try await client.execute(uri: "/profile/ada", method: .put, headers: [.contentType: "application/json"], body: body) { #expect($0.status == .ok) }
            try await client.execute(uri: "/profile/ada", method: .get) { response in
                let profile = try JSONDecoder().decode(Profile.self, from: Data(buffer: response.body))
                #expect(profile == Profile(name: "Ada", visits: 3))
            }
        }
    }

    /// A live value of another type is `PersistError.invalidConversion` (400 here), as with Hummingbird's memory and
    /// Valkey drivers; the value stays. An expired one is simply gone.
    @Test(arguments: TestBackend.allCases)
    func valueOfAnotherTypeIsAnInvalidConversion(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "not a number"))
            try await client.execute(uri: "/persist/a/number", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/persist/a/number/ttl", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/profile/a", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "not a number") }

            try await client.execute(uri: "/persist/b?expires=1", method: .put, body: ByteBuffer(string: "not a number"))
            try await Task.sleep(for: .milliseconds(1300))
            try await client.execute(uri: "/persist/b/number", method: .get) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/persist/b/number/ttl", method: .get) { #expect($0.status == .noContent) }
        }
    }

    /// Bytes in the driver's key that are not one of its entries (another writer of the cache) cannot be converted.
    @Test(arguments: TestBackend.allCases)
    func bytesThatAreNoEntryAreAnInvalidConversion(_ backend: TestBackend) async throws {
        guard let store = try await sharedStores.store(backend) else { return }
        let keyPrefix = uniqueName("foreign") + ":"
        let cache = store.makeStores().cache
        let persist = IdentityStoragePersistDriver(cache: cache, keyPrefix: keyPrefix)
        try await cache.set(keyPrefix + "a", value: Array("not json".utf8), options: .none)
        await #expect(throws: PersistError.invalidConversion) { try await persist.get(key: "a", as: String.self) }
        await #expect(throws: PersistError.invalidConversion) { try await persist.getWithTTL(key: "a", as: String.self) }
    }

    @Test(arguments: TestBackend.allCases)
    func removeThenGet(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "value"))
            try await client.execute(uri: "/persist/a", method: .delete) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/persist/a", method: .delete) { #expect($0.status == .noContent) }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func expireThenCreate(_ backend: TestBackend) async throws {
        try await withClient(backend) { client in
            try await client.execute(uri: "/persist/a?expires=1", method: .post, body: ByteBuffer(string: "first")) { #expect($0.status == .created) }
            try await Task.sleep(for: .milliseconds(1300))
            try await client.execute(uri: "/persist/a", method: .get) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/persist/a?expires=60", method: .post, body: ByteBuffer(string: "second")) { #expect($0.status == .created) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "second") }
        }
    }

    /// The opened store is a `Service` of the application: it serves while the application runs and is closed by the
    /// application's graceful shutdown.
    @Test(arguments: TestBackend.allCases.filter { $0 != .memory })
    func storeRunsInTheApplicationsServiceGroup(_ backend: TestBackend) async throws {
        guard try await sharedStores.store(backend) != nil else { return }
        let store = try await StoreOpener.builtIn.open(url: try await sharedStores.url(backend))
        let persist = IdentityStoragePersistDriver(cache: store.makeStores().cache, keyPrefix: uniqueName("service") + ":")
        try await Application(router: persistRoutes(persist), services: [store]).test(.router) { client in
            try await client.execute(uri: "/persist/a", method: .put, body: ByteBuffer(string: "value")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/persist/a", method: .get) { #expect(String(buffer: $0.body) == "value") }
        }
        await #expect(throws: IdentityStorageError.self) { try await persist.get(key: "a", as: String.self) }
    }
}
#endif  // Hummingbird
