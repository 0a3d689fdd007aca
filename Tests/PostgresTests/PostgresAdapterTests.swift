import Foundation
import IdentityStorage
import IdentityStoragePostgres
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import ServerTestSupport
import Testing

/// Behaviour specific to the PostgreSQL adapter: configuration, schema and migrations, query plans.
@Suite("PostgreSQL adapter")
struct PostgresAdapterTests {
    // MARK: Configuration (no server needed)

    @Test func configurationFromAURL() throws {
        let url = "postgres://app:p%40ss-w0rd@db.example:6543/identity?sslmode=verify-full&sslrootcert=/etc/ca.pem&schema=tenant_a"
            + "&pool_size=3&pipeline_depth=16&query_timeout=2.5&connect_timeout=4&acquire_timeout=7&health_check_interval=11&application_name=web"
        let configuration = try PostgresIdentityStorage.Configuration(url: StoreURL(parsing: url))
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.user == "app")
        #expect(configuration.password == "p@ss-w0rd")
        #expect(configuration.database == "identity")
        #expect(configuration.schema == "tenant_a")
        #expect(configuration.poolSize == 3)
        #expect(configuration.pipelineDepth == 16)
        #expect(configuration.queryTimeout == .milliseconds(2500))
        #expect(configuration.connectTimeout == .seconds(4))
        #expect(configuration.acquireTimeout == .seconds(7))
        #expect(configuration.healthCheckInterval == .seconds(11))
        #expect(configuration.parameters.map(\.name) == ["sslmode", "sslrootcert", "application_name"])
        #expect(configuration.parameters.map(\.value) == ["verify-full", "/etc/ca.pem", "web"])
        let shown = configuration.description + String(describing: configuration) + String(reflecting: configuration)
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!(shown + dumped).contains("p@ss-w0rd"), "\(shown) \(dumped)")
        #expect(configuration.description.contains("app:***@db.example:6543/identity"))
    }

    @Test func defaults() {
        let configuration = PostgresIdentityStorage.Configuration()
        #expect(configuration.schema == "public")
        #expect(configuration.poolSize == 8)
        #expect(configuration.pipelineDepth == 1)
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.queryTimeout == .seconds(30))
        #expect(configuration.acquireTimeout == .seconds(10))
        #expect(configuration.healthCheckInterval == .seconds(30))
        #expect(configuration.messageSlidingExpiration == .seconds(3600))
    }

    @Test(arguments: [
        "postgres://h/db?no_such_keyword=1",
        "postgres://h/db?host=other",
        "postgres://h/db?dbname=other",
        "postgres://h/db?schema=bad-name",
        "postgres://h/db?schema=1abc",
        "postgres://h/db?schema=",
        "postgres://h/db?pool_size=0",
        "postgres://h/db?pool_size=many",
        "postgres://h/db?pipeline_depth=0",
        "postgres://h/db?pipeline_depth=65",
        "postgres://h/db?query_timeout=-1",
        "postgres://h/db?client_encoding=LATIN1",
    ])
    func badURLParametersAreRefused(_ url: String) async throws {
        await expectCode(.invalidArgument) { _ = try PostgresIdentityStorage.Configuration(url: StoreURL(parsing: url)) }
    }

    // MARK: Connections

    @Test func aWrongPasswordIsPermissionDeniedAndNeverShown() async throws {
        guard var configuration = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            configuration.password = "Wr0ng-S3cret-Value"
            configuration.poolSize = 1
            let error = await expectCode(.permissionDenied) { _ = try await PostgresIdentityStorage.open(configuration) }
            let text = error.map { "\($0) \($0.message) \(String(describing: $0.backendDetail))" } ?? ""
            #expect(!text.contains("Wr0ng-S3cret-Value"), "\(text)")
            #expect(text.contains("password authentication failed"), "\(text)")
        }
    }

    @Test func aServerThatIsNotThereIsUnavailable() async throws {
        var configuration = PostgresIdentityStorage.Configuration(host: "127.0.0.1", port: 1, user: "u", password: "Never-Sh0wn", database: "d")
        configuration.connectTimeout = .seconds(2)
        let error = await expectCode(.unavailable) { _ = try await PostgresIdentityStorage.open(configuration) }
        #expect(!(error.map(String.init(describing:)) ?? "").contains("Never-Sh0wn"))
    }

    @Test func tlsSettingsArePassedToLibpq() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            // The test server has no TLS: `sslmode=require` must make libpq refuse it, `disable` must connect.
            var required = base
            required.parameters.append(("sslmode", "require"))
            required.poolSize = 1
            let error = await expectCode(.unavailable) { _ = try await PostgresIdentityStorage.open(required) }
            #expect(error?.backendDetail?.message?.contains("SSL") == true, "\(String(describing: error))")
            var disabled = base
            disabled.parameters.append(("sslmode", "disable"))
            disabled.parameters.append(("application_name", "idstore-tls-test"))
            disabled.poolSize = 1
            let storage = try await PostgresIdentityStorage.open(disabled)
            let rows = try await storage.executeRaw("SELECT ssl::text, current_setting('application_name') FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE pid = pg_backend_pid()")
            #expect(rows.first == ["false", "idstore-tls-test"], "\(rows)")
            await storage.close()
        }
    }

    @Test func sessionsAreUTF8AndUTC() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            var configuration = base
            configuration.poolSize = 1
            configuration.queryTimeout = .seconds(7)
            let storage = try await PostgresIdentityStorage.open(configuration)
            let rows = try await storage.executeRaw("""
                SELECT current_setting('client_encoding'), current_setting('TimeZone'), current_setting('statement_timeout'), current_setting('search_path')
                """)
            #expect(rows.first == ["UTF8", "UTC", "7s", "public"], "\(rows)")
            await storage.close()
        }
    }

    // MARK: Schema and migrations

    @Test func migrationIsIdempotentAndVersioned() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            var configuration = base
            configuration.schema = uniqueName("idstore_migrate")
            configuration.poolSize = 1
            for _ in 0..<3 {
                let storage = try await PostgresIdentityStorage.open(configuration)
                #expect(try await storage.schemaVersion() == 2)
                await storage.close()
            }
            let storage = try await PostgresIdentityStorage.open(configuration)
            #expect(try await storage.executeRaw("SELECT count(*) FROM identity_storage_migrations") == [["2"]])
            try await storage.executeRaw("DROP SCHEMA \"\(configuration.schema)\" CASCADE")
            await storage.close()
        }
    }

    @Test func newerSchemaIsRefused() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_newer") { $0.poolSize = 1 }
            try await opened.storage.executeRaw("INSERT INTO identity_storage_migrations(version, applied_at) VALUES (99, 0)")
            var configuration = base
            configuration.schema = opened.schema
            let error = await expectCode(.schemaMismatch) { _ = try await PostgresIdentityStorage.open(configuration) }
            #expect(error?.message.contains("99") == true)
            try await opened.close()
        }
    }

    @Test func fourStoragesMigratingOneEmptySchemaAtOnceAllSucceed() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let schema = uniqueName("idstore_concurrent")
            for _ in 0..<2 {
                // Twice: once on an empty schema (all race to create it), once on a migrated one.
                let versions = try await withThrowingTaskGroup(of: Int?.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var configuration = base
                            configuration.schema = schema
                            configuration.poolSize = 1
                            let storage = try await PostgresIdentityStorage.open(configuration)
                            let version = try await storage.schemaVersion()
                            await storage.close()
                            return version
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(versions == [2, 2, 2, 2])
            }
            var configuration = base
            configuration.schema = schema
            let storage = try await PostgresIdentityStorage.open(configuration)
            #expect(try await storage.executeRaw("SELECT count(*) FROM identity_storage_migrations") == [["2"]])
            let tables = try await storage.executeRaw("SELECT count(*) FROM pg_tables WHERE schemaname = $1", [schema])
            #expect(tables == [["16"]], "one migrations table and 15 store tables")
            try await storage.executeRaw("DROP SCHEMA \"\(schema)\" CASCADE")
            await storage.close()
        }
    }

    @Test func schemasKeepDeploymentsApart() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let first = try await PrivateSchemaStorage.open(base, prefix: "idstore_tenant") { $0.poolSize = 2 }
            let second = try await PrivateSchemaStorage.open(base, prefix: "idstore_tenant") { $0.poolSize = 2 }
            let grant = PersistedGrant(key: "shared-key", type: "t", subjectId: "s", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "first")
            try await first.storage.makeStores().grants.storeGrant(grant)
            #expect(try await second.storage.makeStores().grants.grant(forKey: "shared-key") == nil)
            var other = grant
            other.data = "second"
            try await second.storage.makeStores().grants.storeGrant(other)
            #expect(try await first.storage.makeStores().grants.grant(forKey: "shared-key") == grant)
            #expect(try await second.storage.makeStores().grants.grant(forKey: "shared-key") == other)
            // The conditional key stores lock per schema: a key in one schema does not block the other.
            let key = SerializedKey(id: "k", created: Date().roundedToStoragePrecision, algorithm: "RS256", data: "d")
            #expect(try await first.storage.makeStores().signingKeys.storeKey(key, ifNoKeyCreatedAfter: .distantPast))
            #expect(try await second.storage.makeStores().signingKeys.storeKey(key, ifNoKeyCreatedAfter: .distantPast))
            try await first.close()
            try await second.close()
        }
    }

    // MARK: Query plans

    @Test func everyFilterAndCleanupQueryUsesAnIndex() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_plans") { $0.poolSize = 1 }
            let storage = opened.storage
            // One connection: the settings below apply to every EXPLAIN. With sequential scans priced out,
            // a plan still shows one only when no index can answer the query. Generic plans are the ones a
            // prepared statement ends up with.
            try await storage.executeScript("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan")
            for (index, statement) in try PostgresIdentityStorage.indexedStatements().enumerated() {
                let name = "plan\(index)"
                try await storage.executeScript("PREPARE \(name) AS \(statement.sql)")
                let arguments = statement.arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
                let plan = try await storage.executeRaw("EXPLAIN EXECUTE \(name)\(arguments.isEmpty ? "" : "(\(arguments))")").compactMap { $0.first ?? nil }
                try await storage.executeScript("DEALLOCATE \(name)")
                let scans = plan.filter { $0.contains("Seq Scan") }
                #expect(scans.isEmpty, "\(statement.name): \(plan.joined(separator: " | "))")
                #expect(plan.contains { $0.contains("Index") }, "\(statement.name): \(plan.joined(separator: " | "))")
            }
            try await opened.close()
        }
    }

    @Test func clientAndResourceLoadsAreOneStatementEach() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_loads") { $0.poolSize = 1 }
            let storage = opened.storage
            let stores = storage.makeStores()
            var client = Client(clientId: "c")
            client.allowedCorsOrigins = ["https://a.example", "https://b.example"]
            client.allowedScopes = ["openid", "api"]
            client.redirectUris = ["https://a.example/cb"]
            try await stores.clients.saveClient(client)
            var resource = ApiResource(name: "api")
            resource.scopes = ["api.read", "api.write"]
            try await stores.resources.saveApiResource(resource)
            try await stores.resources.saveApiScope(ApiScope(name: "api.read"))
            try await stores.resources.saveIdentityResource(IdentityResource(name: "openid"))
            func loads() async throws {
                _ = try await stores.clients.client(withId: "c")
                _ = try await stores.resources.allResources()
                _ = try await stores.resources.apiResources(withScopeNames: ["api.read", "api.write"])
            }
            try await loads() // prepares the statements on the connection
            let before = storage.roundTrips
            try await loads()
            #expect(storage.roundTrips - before == 3, "round trips of a client load, all resources, API resources by scopes")
            #expect(try await stores.clients.client(withId: "c") == (try client.normalizedForStorage()))
            #expect(try await stores.clients.isOriginAllowed("https://b.example"))
            try await opened.close()
        }
    }

    // MARK: Benchmark support

    @Test func bulkLoadingAndRawBaselines() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_bulk") { $0.poolSize = 2 }
            let storage = opened.storage
            let now = Date().roundedToStoragePrecision
            var grants = (0..<12_000).map { index in
                PersistedGrant(key: "bulk-\(index)", type: "refresh_token", subjectId: index % 2 == 0 ? "s" : nil, clientId: "c",
                               description: index % 3 == 0 ? "d\(index)" : nil, creationTime: now, expiration: now.addingTimeInterval(60),
                               data: "payload \(index) é")
            }
            var replaced = grants[0]
            replaced.data = "last one wins"
            grants.append(replaced)
            try await storage.bulkStoreGrants(grants)
            #expect(try await storage.executeRaw("SELECT count(*) FROM persisted_grants") == [["12000"]])
            let stores = storage.makeStores()
            #expect(try await stores.grants.grant(forKey: "bulk-0") == replaced)
            #expect(try await stores.grants.grant(forKey: "bulk-11999") == grants[11_999])
            let keys = (0..<100).map { "bulk-\($0)" }
            for operation in [RawGrantOperation.get, .consume, .take, .upsert] {
                let latencies = try await storage.measureRaw(operation, keys: keys, concurrency: 4)
                #expect(latencies.count == keys.count, "\(operation)")
            }
            #expect(try await stores.grants.grant(forKey: "bulk-5")?.data == "raw", "take removed it, upsert wrote it again")
            try await opened.close()
        }
    }
}
