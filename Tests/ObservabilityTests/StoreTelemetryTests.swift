import Foundation
import IdentityStorage
import IdentityStorageOpener
import IdentityStorageMariaDB
import IdentityStoragePostgres
import ServerTestSupport
import Testing
import Tracing

/// What one store's calls leave in the kits: a timer per operation and outcome, a span per call with OpenTelemetry's
/// database attributes under the caller's span, pool gauges that come back to zero, and migrations in the log.
@Suite("Telemetry of store calls")
struct StoreTelemetryTests {
    @Test(arguments: TestBackend.allCases)
    func callsAreTimedByOperationAndOutcome(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_timers") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            let prefix = uniqueName("timers-")
            for index in 0..<20 { try await stores.grants.storeGrant(observedGrant("\(prefix)-\(index)")) }
            for index in 0..<20 { _ = try await stores.grants.grant(forKey: "\(prefix)-\(index)") }
            for index in 0..<10 { _ = try await stores.grants.takeGrant(forKey: "\(prefix)-missing-\(index)") }
            await #expect(throws: IdentityStorageError.self) { try await stores.grants.storeGrant(observedGrant("")) }

            let kits = observed.kits
            #expect(kits.calls("grants", "storeGrant") == ["ok": 20, "invalid_argument": 1], "\(backend)")
            #expect(kits.calls("grants", "grant") == ["ok": 20], "\(backend)")
            #expect(kits.calls("grants", "takeGrant") == ["ok": 10], "\(backend)")
            #expect(kits.timedCalls == 51, "\(backend): only the calls made are timed")
            let dimensions = Set(kits.metrics.timers(label: "identitystorage_operation_duration").flatMap { $0.dimensions.map(\.0) })
            #expect(dimensions == ["backend", "store", "operation", "outcome"])
            #expect(kits.metrics.timers(label: "identitystorage_operation_duration").allSatisfy {
                $0.dimensions.contains { $0 == ("backend", observed.system) }
            })

            if observed.hasPool {
                // A thread marks its connection idle just after answering: give it a moment.
                for _ in 0..<100 where kits.poolGauges("identitystorage_pool_connections_in_use").values.contains(where: { $0 != 0 }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let inUse = kits.poolGauges("identitystorage_pool_connections_in_use")
                #expect(!inUse.isEmpty && inUse.values.allSatisfy { $0 == 0 }, "\(backend): connections in use when idle: \(inUse)")
                #expect(kits.poolGauges("identitystorage_pool_callers_waiting").values.allSatisfy { $0 == 0 })
                #expect(kits.poolGauges("identitystorage_pool_connections").values.contains { $0 > 0 }, "\(backend): no connection reported open")
            }
            await observed.store.close()
            if observed.hasPool {
                let open = kits.poolGauges("identitystorage_pool_connections")
                #expect(open.values.allSatisfy { $0 == 0 }, "\(backend): connections open after close: \(open)")
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func eachCallIsOneSpanUnderTheCallersSpan(_ backend: TestBackend) async throws {
        guard let observed = try await ObservedStore.open(backend, "obs_spans") else { return }
        try await ServerGate.sharing(store: observed.url) {
            let stores = observed.store.makeStores()
            let key = uniqueName("span-")
            try await stores.grants.storeGrant(observedGrant(key))
            let tracer = observed.kits.tracer
            tracer.clearAll()
            try await tracer.withSpan("token request") { _ in
                _ = try await stores.grants.grant(forKey: key)
                _ = try await stores.cache.get(key)
                _ = try? await stores.grants.storeGrant(observedGrant(""))
            }
            let finished = tracer.finishedSpans
            let parent = try #require(finished.first { $0.operationName == "token request" })
            let children = finished.filter { $0.parentSpanID == parent.spanID }
            #expect(children.map(\.operationName) == ["grant grants", "get cache", "storeGrant grants"], "\(backend)")
            #expect(finished.count == 4, "\(backend): one span per call and no other")
            for (span, expected) in zip(children, [("grant", "grants"), ("get", "cache"), ("storeGrant", "grants")]) {
                #expect(span.kind == .client)
                #expect(span.traceID == parent.traceID)
                #expect(span.attributes.get("db.system.name") == .string(observed.system), "\(backend)")
                #expect(span.attributes.get("db.operation.name") == .string(expected.0))
                #expect(span.attributes.get("db.collection.name") == .string(expected.1))
                if TestBackend.servers.contains(backend) {
                    #expect(span.attributes.get("server.address") == .string("127.0.0.1"), "\(backend)")
                    #expect(span.attributes.get("server.port") != nil, "\(backend)")
                } else {
                    #expect(span.attributes.get("server.address") == nil)
                }
            }
            #expect(children.last?.attributes.get("error.type") == .string("invalid_argument"))
            #expect(children.last?.status?.code == .error)
            #expect(children.dropLast().allSatisfy { $0.attributes.get("error.type") == nil && $0.status == nil })
            await observed.store.close()
        }
    }

    @Test(arguments: [TestBackend.sqlite, .postgres, .mariadb])
    func eachMigrationIsLogged(_ backend: TestBackend) async throws {
        let name = uniqueName("obs_migrate_")
        guard let observed = try await ObservedStore.open(backend, name) else { return }
        try await ServerGate.sharing(store: observed.url) {
            let version = try #require(try await observed.store.schemaVersion())
            let applied = observed.kits.entries("schema migration applied")
            #expect(applied.compactMap { $0.metadata["version"]?.description }.compactMap(Int.init) == Array(1...version), "\(backend): \(applied)")
            #expect(applied.allSatisfy { $0.level == .debug })
            // Reopening finds nothing to apply.
            let kits = TelemetryKits()
            let again = try await StoreOpener.builtIn.open(url: observed.url, options: StoreOpenOptions(observability: kits.observability()))
            #expect(kits.entries("schema migration applied").isEmpty)
            await again.close()
            switch observed.store.backend {
            case let postgres as PostgresIdentityStorage: try await postgres.executeRaw("DROP SCHEMA idstore_\(name) CASCADE")
            case let mariadb as MariaDBIdentityStorage: try await mariadb.executeRaw("DROP DATABASE idstore_\(name)")
            default: break
            }
            await observed.store.close()
        }
    }
}
