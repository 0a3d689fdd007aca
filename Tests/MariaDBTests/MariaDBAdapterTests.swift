import Foundation
import IdentityStorage
import IdentityStorageMariaDB
import IdentityStorageSQL
import IdentityStorageTool
import IdentityStorageToolBuiltIns
import ServerTestSupport
import Testing

/// Behaviour specific to the MariaDB adapter: configuration, schema, query plans, values at the edges.
@Suite("MariaDB adapter")
struct MariaDBAdapterTests {
    // MARK: Configuration (no server needed)

    @Test func configurationComesFromTheURL() throws {
        // The old spellings with `-` and the shared `_` spellings both work.
        let configuration = try MariaDBIdentityStorage.Configuration(url: StoreURL(parsing:
            "mysql://app:p%40ss@db.example:3307/identity?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem&ssl_cert=/c.pem&ssl-key=/k.pem"
            + "&tls-version=TLSv1.3&pool-size=16&connect-timeout=3&read_timeout=7&write-timeout=9&acquire_timeout=2.5"
            + "&health-check-interval=12&lock-wait-timeout=4"))
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 3307)
        #expect(configuration.user == "app")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == "identity")
        #expect(configuration.tls.mode == .verifyIdentity)
        #expect(configuration.tls.ca == "/etc/ca.pem")
        #expect(configuration.tls.certificate == "/c.pem")
        #expect(configuration.tls.key == "/k.pem")
        #expect(configuration.tls.versions == "TLSv1.3")
        #expect(configuration.poolSize == 16)
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.readTimeout == .seconds(7))
        #expect(configuration.writeTimeout == .seconds(9))
        #expect(configuration.acquireTimeout == .milliseconds(2500))
        #expect(configuration.healthCheckInterval == .seconds(12))
        #expect(configuration.lockWaitTimeout == .seconds(4))
        var dumped = ""
        dump(configuration, to: &dumped)
        for shown in [configuration.description, String(reflecting: configuration), dumped] {
            #expect(!shown.contains("p@ss"), "\(shown)")
        }
        #expect(configuration.description.contains("***"))
    }

    @Test func defaultsAndBadURLs() throws {
        let configuration = try MariaDBIdentityStorage.Configuration(url: StoreURL(parsing: "mariadb://u@localhost/db"))
        #expect(configuration.port == 3306)
        #expect(configuration.poolSize == 8)
        #expect(configuration.tls.mode == .preferred)
        for bad in ["mariadb://u:secret@h/db?colour=blue", "mariadb://u:secret@h/db?pool-size=0", "mariadb://u:secret@h/db?ssl-mode=sometimes",
                    "mariadb://u:secret@h/db?read-timeout=-1", "mariadb://u:secret@h"] {
            do {
                _ = try MariaDBIdentityStorage.Configuration(url: StoreURL(parsing: bad))
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.code == .invalidArgument, "\(bad): \(error)")
                #expect(!String(describing: error).contains("secret"), "\(bad): \(error)")
            }
        }
    }

    @Test func listParametersExpandToBoundedShapes() throws {
        let sql = "subject_id = ? AND client_id IN (?\(MariaDBIdentityStorage.listMarker)) AND type IN (?\(MariaDBIdentityStorage.listMarker)) AND x = ?"
        let (text, values) = try MariaDBIdentityStorage.expandingLists(sql, [.text("s"), .text("[\"a\",\"b\",\"c\"]"), .text("[\"t\"]"), .integer(7)])
        #expect(text == "subject_id = ? AND client_id IN (?, ?, ?, ?) AND type IN (?) AND x = ?")
        #expect(values == [.text("s"), .text("a"), .text("b"), .text("c"), .text("c"), .text("t"), .integer(7)])
        for (count, size) in [(1, 1), (2, 2), (3, 4), (5, 8), (9, 16), (100, 128)] {
            let list = try StorageJSON.string((0..<count).map { "v\($0)" })
            let (expanded, bound) = try MariaDBIdentityStorage.expandingLists("c IN (?\(MariaDBIdentityStorage.listMarker))", [.text(list)])
            #expect(bound.count == size && expanded.components(separatedBy: "?").count - 1 == size, "\(count) elements")
        }
    }

    // MARK: Connecting

    @Test func aWrongPasswordIsPermissionDeniedAndNeverShown() async throws {
        guard var configuration = await MariaDBTestServer.available() else { return }
        configuration.password = "Wr0ng-Pa55word-xyz"
        configuration.poolSize = 1
        do {
            let storage = try await MariaDBIdentityStorage.open(configuration)
            await storage.close()
            Issue.record("a wrong password was accepted")
        } catch let error as IdentityStorageError {
            #expect(error.code == .permissionDenied, "\(error)")
            #expect(!String(describing: error).contains("Wr0ng-Pa55word-xyz"), "\(error)")
            #expect(error.backendDetail?.code?.hasPrefix("1045") == true, "\(error)")
        }
    }

    /// TLS options from the URL reach libmariadb. Against the recipe's server (TLS with a throwaway CA):
    /// `required`, `verify_ca` and `verify_identity` give encrypted sessions, a CA that did not sign the
    /// server's certificate is refused, `disabled` stays plain. Against a server without TLS, every mode
    /// but `disabled`/`preferred` refuses to connect instead of falling back to plain text.
    @Test func tlsModesFromTheURL() async throws {
        guard let plain = await MariaDBTestServer.available() else { return }
        let offered = try await ServerGate.mariadb.shared { try await SharedMariaDB.shared.storage().queryRaw("SELECT @@have_ssl") }
        let ca = ServerRecipe.servicesDirectory + "/mariadb/tls/ca.pem"
        func open(_ parameters: String) async throws -> MariaDBIdentityStorage {
            let url = MariaDBTestServer.url + (MariaDBTestServer.url.contains("?") ? "&" : "?") + "pool-size=1&" + parameters
            return try await MariaDBIdentityStorage.open(try MariaDBIdentityStorage.Configuration(url: StoreURL(parsing: url)))
        }
        func cipher(_ storage: MariaDBIdentityStorage) async throws -> String {
            (try await storage.queryRaw("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first?[1] ?? nil) ?? ""
        }
        if offered == [["YES"]] {
            guard FileManager.default.fileExists(atPath: ca) else {
                print("MariaDBTests: tlsModesFromTheURL not run: the server offers TLS but its CA is not at \(ca)")
                return
            }
            for mode in ["required", "verify_ca", "VERIFY-IDENTITY"] {
                let storage = try await open("ssl-mode=\(mode)&ssl-ca=\(ca)")
                let negotiated = try await cipher(storage)
                #expect(!negotiated.isEmpty, "ssl-mode=\(mode) gave a plain session")
                if mode == "required" { print("MariaDBTests: TLS session negotiated \(negotiated)") }
                await storage.close()
            }
            let plainStorage = try await open("ssl-mode=disabled")
            #expect(try await cipher(plainStorage).isEmpty, "ssl-mode=disabled gave a TLS session")
            await plainStorage.close()
            // A trust store without the test CA: verification fails, typed, before any query.
            let other = "/etc/ssl/certs/ca-certificates.crt"
            if FileManager.default.fileExists(atPath: other) {
                await expectCode(.unavailable) { _ = try await open("ssl-mode=verify_ca&ssl-ca=\(other)") }
            }
        } else {
            var configuration = plain
            configuration.poolSize = 1
            for mode in [MariaDBIdentityStorage.TLSOptions.Mode.required, .verifyCA, .verifyIdentity] {
                configuration.tls.mode = mode
                do {
                    let storage = try await MariaDBIdentityStorage.open(configuration)
                    await storage.close()
                    Issue.record("ssl-mode=\(mode.rawValue) connected to a server without TLS")
                } catch let error as IdentityStorageError {
                    #expect(error.code == .unavailable, "\(error)")
                    #expect(error.backendDetail?.code?.hasPrefix("2026") == true, "\(error)")
                }
            }
        }
    }

    @Test func anUnreachableServerIsUnavailable() async throws {
        var configuration = MariaDBIdentityStorage.Configuration(host: "127.0.0.1", port: 1, user: "u", password: "pw", database: "db")
        configuration.poolSize = 1
        configuration.connectTimeout = .seconds(2)
        await expectCode(.unavailable) { _ = try await MariaDBIdentityStorage.open(configuration) }
    }

    // MARK: Schema

    @Test func migrationIsIdempotentAndVersioned() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.shared {
            try await MariaDBTestServer.withScratchDatabase(base, "migrate") { configuration in
                for _ in 0..<3 {
                    let storage = try await MariaDBIdentityStorage.open(configuration)
                    #expect(try await storage.schemaVersion() == 3)
                    #expect(try await storage.queryRaw("SELECT COUNT(*) FROM identity_storage_migrations") == [["3"]])
                    await storage.close()
                }
            }
        }
    }

    @Test func newerSchemaIsRefused() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.shared {
            try await MariaDBTestServer.withScratchDatabase(base, "newer") { configuration in
                let storage = try await MariaDBIdentityStorage.open(configuration)
                try await storage.executeRaw("INSERT INTO identity_storage_migrations(version, applied_at) VALUES (99, 0)")
                await storage.close()
                await expectCode(.schemaMismatch) { _ = try await MariaDBIdentityStorage.open(configuration) }
            }
        }
    }

    /// Four storages (each with its own connections, as four processes would have) migrate one empty
    /// database at the same moment: all succeed and the schema is applied once.
    @Test(arguments: 0..<3)
    func concurrentMigrationsOfOneEmptyDatabaseAllSucceed(round: Int) async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.shared {
            try await MariaDBTestServer.withScratchDatabase(base, "concurrent\(round)") { configuration in
                var configuration = configuration
                configuration.poolSize = 2
                let opened = configuration
                let versions = try await withThrowingTaskGroup(of: Int?.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            let storage = try await MariaDBIdentityStorage.open(opened)
                            let version = try await storage.schemaVersion()
                            // Each instance can work on the schema at once.
                            let stores = storage.makeStores()
                            let key = "k\(UInt32.random(in: 0...UInt32.max))"
                            try await stores.grants.storeGrant(PersistedGrant(key: key, type: "t", clientId: "c", creationTime: Date(), data: "d"))
                            #expect(try await stores.grants.grant(forKey: key) != nil)
                            await storage.close()
                            return version
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(versions == [3, 3, 3, 3])
                let storage = try await MariaDBIdentityStorage.open(configuration)
                #expect(try await storage.queryRaw("SELECT COUNT(*) FROM identity_storage_migrations") == [["3"]])
                let tables = try await storage.queryRaw("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
                #expect(tables == [["18"]])
                await storage.close()
            }
        }
    }

    // MARK: Query plans

    /// Every statement that finds rows by something other than a primary key uses an index (EXPLAIN on a
    /// database filled with a few thousand varied rows and analysed, so the optimizer has real statistics).
    @Test func everyFilterAndCleanupQueryUsesAnIndex() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.shared {
            try await MariaDBTestServer.withScratchDatabase(base, "plans") { configuration in
                let storage = try await MariaDBIdentityStorage.open(configuration)
                for statement in Self.fillStatements { try await storage.executeRaw(statement) }
                _ = try await storage.queryRaw("""
                    ANALYZE TABLE persisted_grants, device_codes, server_side_sessions, pushed_authorization_requests,
                        backchannel_requests, cache_entries, client_cors_origins, clients, api_resources, api_resource_scopes,
                        identity_resources, api_scopes, signing_keys, key_ring
                    """)
                for statement in try MariaDBIdentityStorage.indexedStatements() {
                    let plan = try await storage.explain(statement.sql, statement.arguments)
                    let shown = plan.map { "\($0["table"] ?? "?"):\($0["type"] ?? "?"):\($0["key"] ?? "?")" }.joined(separator: " | ")
                    for step in plan {
                        let table = step["table"] ?? "NULL"
                        // Derived lists (JSON_TABLE, materialised subqueries) are the caller's small inputs.
                        if table == "NULL" || table.hasPrefix("<") || table == "list" || table == "keys_to_delete" { continue }
                        let type = step["type"] ?? "NULL"
                        let indexed = type != "ALL" && type != "index" && (step["key"] ?? "NULL") != "NULL"
                        #expect(indexed, "\(statement.name) reads \(table) without an index (\(step)): \(shown)")
                    }
                }
                await storage.close()
            }
        }
    }

    /// A few thousand rows with varied keys, so that every index is selective, as in production.
    static let fillStatements = [
        """
        INSERT INTO persisted_grants(`key`, type, subject_id, session_id, client_id, description, creation_time, expiration, consumed_time, data)
        SELECT CONCAT('g', seq), CONCAT('type', seq % 7), CONCAT('sub', seq % 997), CONCAT('sid', seq % 1499), CONCAT('client', seq % 61),
               NULL, seq, IF(seq % 5 = 0, NULL, 1000000000 + seq * 1000), IF(seq % 3 = 0, 1000000000 + seq, NULL), 'data'
        FROM seq_1_to_6000
        """,
        """
        INSERT INTO device_codes(device_code, user_code, client_id, subject_id, session_id, description, creation_time, expiration, data)
        SELECT CONCAT('d', seq), CONCAT('u', seq), 'client', NULL, NULL, NULL, seq, 1000000000 + seq * 1000, 'data' FROM seq_1_to_3000
        """,
        """
        INSERT INTO server_side_sessions(`key`, scheme, subject_id, session_id, display_name, created, renewed, expires, ticket)
        SELECT CONCAT('s', seq), 'cookie', CONCAT('sub', seq % 997), CONCAT('sid', seq), NULL, seq, seq,
               IF(seq % 4 = 0, NULL, 1000000000 + seq * 1000), 'ticket' FROM seq_1_to_3000
        """,
        """
        INSERT INTO pushed_authorization_requests(reference_value_hash, expires_at, parameters)
        SELECT CONCAT('p', seq), 1000000000 + seq * 1000, 'parameters' FROM seq_1_to_3000
        """,
        """
        INSERT INTO backchannel_requests(internal_id, subject_id, client_id, expiration, document)
        SELECT CONCAT('b', seq), CONCAT('sub', seq % 997), CONCAT('client', seq % 61), 1000000000 + seq * 1000, '{}' FROM seq_1_to_3000
        """,
        """
        INSERT INTO cache_entries(`key`, value, expires_at, absolute_expiration, sliding_microseconds)
        SELECT CONCAT('c', seq), X'00', IF(seq % 4 = 0, NULL, 1000000000 + seq * 1000), NULL, NULL FROM seq_1_to_3000
        """,
        "INSERT INTO clients(client_id, document) SELECT CONCAT('client', seq), '{}' FROM seq_1_to_1000",
        """
        INSERT INTO client_cors_origins(origin, client_id) SELECT CONCAT('https://o', seq, '.example'), CONCAT('client', seq % 1000 + 1)
        FROM seq_1_to_3000
        """,
        "INSERT INTO api_resources(name, document) SELECT CONCAT('api', seq), '{}' FROM seq_1_to_1000",
        "INSERT INTO api_resource_scopes(scope, resource_name) SELECT CONCAT('scope', seq), CONCAT('api', seq % 1000 + 1) FROM seq_1_to_3000",
        "INSERT INTO identity_resources(name, document) SELECT CONCAT('id', seq), '{}' FROM seq_1_to_1000",
        "INSERT INTO api_scopes(name, document) SELECT CONCAT('scope', seq), '{}' FROM seq_1_to_1000",
        """
        INSERT INTO signing_keys(id, version, created, algorithm, is_x509_certificate, data, data_protected)
        SELECT CONCAT('key', seq), 1, seq * 1000000, 'RS256', 0, 'data', 1 FROM seq_1_to_1000
        """,
        "INSERT INTO key_ring(friendly_name, xml) SELECT NULL, '<key/>' FROM seq_1_to_1000",
    ]

    // MARK: Concurrency

    /// Saving clients that share CORS origins, from many callers at once: under REPEATABLE READ the gap locks
    /// of "delete a client's origins, insert the new ones" deadlocked each other until the retries ran out.
    @Test func concurrentClientSavesDoNotDeadlock() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        try await ServerGate.mariadb.shared {
            let stores = try await SharedMariaDB.shared.storage().makeStores()
            let prefix = "race\(UInt32.random(in: 0...UInt32.max))."
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<16 {
                    group.addTask {
                        for round in 0..<15 {
                            var client = Client(clientId: "\(prefix)\(caller)")
                            client.allowedCorsOrigins = Set((0..<4).map { "https://\(prefix)shared\(($0 + round) % 6).example" }
                                                            + ["https://\(prefix)own\(caller).example"])
                            try await stores.clients.saveClient(client)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for caller in 0..<16 {
                #expect(try await stores.clients.client(withId: "\(prefix)\(caller)")?.allowedCorsOrigins.count == 5)
                try await stores.clients.deleteClient(withId: "\(prefix)\(caller)")
            }
        }
    }

    // MARK: Benchmark hooks

    @Test func bulkLoaderAndRawBaselineForBench() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.shared {
            try await MariaDBTestServer.withScratchDatabase(base, "bench") { configuration in
                let storage = try await MariaDBIdentityStorage.open(configuration)
                let now = Date().roundedToStoragePrecision
                var grants = (0..<2_500).map { index in
                    PersistedGrant(key: "bulk\(index)", type: "refresh_token", subjectId: index % 2 == 0 ? "sub\(index)" : nil, clientId: "c",
                                   description: index % 3 == 0 ? "d🎉" : nil, creationTime: now,
                                   expiration: index % 5 == 0 ? nil : now.addingTimeInterval(60), data: "data \(index)")
                }
                grants.append(PersistedGrant(key: "bulk7", type: "authorization_code", clientId: "c", creationTime: now, data: "last wins"))
                try await storage.bulkStoreGrants(grants)
                let stores = storage.makeStores()
                #expect(try await storage.queryRaw("SELECT COUNT(*) FROM persisted_grants") == [["2500"]])
                #expect(try await stores.grants.grant(forKey: "bulk0") == grants[0])
                #expect(try await stores.grants.grant(forKey: "bulk3") == grants[3])
                #expect(try await stores.grants.grant(forKey: "bulk7")?.data == "last wins")
                let keys = (0..<200).map { "bulk\($0)" }
                for operation in RawGrantOperation.allCases {
                    let latencies = try await storage.measureRaw(operation, keys: keys, concurrency: 4)
                    #expect(latencies.count == keys.count, "\(operation)")
                }
                await storage.close()
            }
        }
    }

    // MARK: Values at the edges

    /// Values around every buffer size the adapter uses (256-byte initial result buffers, 64 KiB retained
    /// buffers, longer values fetched whole per row) come back whole, also many in one result set.
    @Test func valuesOfAnySizeComeBackWhole() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        try await ServerGate.mariadb.shared {
            let stores = try await SharedMariaDB.shared.storage().makeStores()
            let prefix = "long\(UInt32.random(in: 0...UInt32.max))."
            let sizes = [0, 1, 255, 256, 257, 4_095, 65_535, 65_536, 65_537, 300_000, 1_048_576, IdentityStorageLimits.maxPayloadBytes]
            var grants: [PersistedGrant] = []
            for (index, size) in sizes.enumerated() {
                let data = String((0..<size).map { Character(UnicodeScalar(UInt8(97 + ($0 + index) % 26))) })
                let grant = PersistedGrant(key: prefix + "\(index)", type: "t", subjectId: prefix + "sub", clientId: "c",
                                           creationTime: Date().roundedToStoragePrecision, data: data)
                try await stores.grants.storeGrant(grant)
                grants.append(grant)
            }
            for grant in grants {
                let loaded = try await stores.grants.grant(forKey: grant.key)
                #expect(loaded?.data.utf8.count == grant.data.utf8.count)
                #expect(loaded == grant, "grant of \(grant.data.utf8.count) bytes")
            }
            // One result set mixing short and long values, twice (the second after the buffers grew).
            for _ in 0..<2 {
                let all = try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: prefix + "sub"))
                #expect(Set(all) == Set(grants))
            }
            for size in [0, 257, 70_000, IdentityStorageLimits.maxPayloadBytes] {
                let value = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                try await stores.cache.set(prefix + "cache\(size)", value: value, options: .none)
                #expect(try await stores.cache.get(prefix + "cache\(size)") == value, "cache value of \(size) bytes")
            }
            _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: prefix + "sub"))
        }
    }

    @Test func fourByteUnicodeRoundTripsAndComparesExactly() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        try await ServerGate.mariadb.shared {
            let stores = try await SharedMariaDB.shared.storage().makeStores()
            let prefix = "uni\(UInt32.random(in: 0...UInt32.max))."
            // A 200-byte key made of 4-byte characters (the most a key may hold) and keys that differ only in them.
            let filler = String(repeating: "🔑", count: (IdentityStorageLimits.maxKeyBytes - prefix.utf8.count) / 4)
            let widest = prefix + filler + String(repeating: "x", count: (IdentityStorageLimits.maxKeyBytes - prefix.utf8.count) % 4)
            #expect(widest.utf8.count == IdentityStorageLimits.maxKeyBytes)
            let keys = [widest, prefix + "𝄞", prefix + "𝄟", prefix + "😀", prefix + "😀 "]
            for key in keys {
                let grant = PersistedGrant(key: key, type: "t", subjectId: prefix + "🧑‍💻", clientId: "c🚀", description: "𐍈 desc",
                                           creationTime: Date().roundedToStoragePrecision, data: "{\"v\":\"\(key)🎉\"}")
                try await stores.grants.storeGrant(grant)
                #expect(try await stores.grants.grant(forKey: key) == grant)
            }
            #expect(try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: prefix + "🧑‍💻")).count == keys.count)
            #expect(try await stores.grants.grant(forKey: prefix + "😁") == nil)
            let session = ServerSideSession(key: prefix + "s🍪", scheme: "cookie", subjectId: prefix + "👤", displayName: "Ada 🦄 Lovelace",
                                            created: Date().roundedToStoragePrecision, renewed: Date().roundedToStoragePrecision,
                                            expires: nil, ticket: "🎫")
            try await stores.sessions.createSession(session)
            let page = try await stores.sessions.querySessions(SessionQuery(displayName: "🦄"))
            #expect(page.results.contains(session))
            try await stores.cache.set(prefix + "🗝️", value: Array("💾".utf8), options: .none)
            #expect(try await stores.cache.get(prefix + "🗝️") == Array("💾".utf8))
            #expect(try await stores.cache.get(prefix + "🗝") == nil)
            _ = try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: prefix + "🧑‍💻"))
            _ = try await stores.sessions.deleteSession(forKey: session.key)
        }
    }

    @Test func nulBytesAreRejectedBeforeAnythingIsWritten() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        try await ServerGate.mariadb.shared {
            let stores = try await SharedMariaDB.shared.storage().makeStores()
            let prefix = "nul\(UInt32.random(in: 0...UInt32.max))."
            let good = PersistedGrant(key: prefix + "g", type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "d")
            var bad = good
            bad.key = prefix + "g\0tail"
            await expectCode(.invalidArgument) { try await stores.grants.storeGrant(bad) }
            bad = good
            bad.data = "da\0ta"
            await expectCode(.invalidArgument) { try await stores.grants.storeGrant(bad) }
            await expectCode(.invalidArgument) { _ = try await stores.grants.grant(forKey: "a\0b") }
            await expectCode(.invalidArgument) { try await stores.cache.set(prefix + "\0", value: [0], options: .none) }
            #expect(try await stores.grants.grant(forKey: prefix + "g") == nil)
            // NUL inside a binary cache value is data, not an error.
            try await stores.cache.set(prefix + "bin", value: [0, 0, 1, 0], options: .none)
            #expect(try await stores.cache.get(prefix + "bin") == [0, 0, 1, 0])
        }
    }

    /// Values the validation lets through but a column cannot hold are rejected by the server (strict mode)
    /// as a typed error, and the write is undone whole.
    @Test func valuesOverTheColumnSizeGiveTypedErrors() async throws {
        guard await MariaDBTestServer.available() != nil else { return }
        try await ServerGate.mariadb.shared {
            let storage = try await SharedMariaDB.shared.storage()
            let stores = storage.makeStores()
            let prefix = "wide\(UInt32.random(in: 0...UInt32.max))."
            var client = Client(clientId: prefix + "client")
            client.allowedCorsOrigins = ["https://kept.example"]
            try await stores.clients.saveClient(client)
            var changed = client
            changed.clientName = "changed"
            changed.allowedCorsOrigins = ["https://" + String(repeating: "a", count: 600) + ".example"]
            await expectCode(.tooLarge) { try await stores.clients.saveClient(changed) }
            #expect(try await stores.clients.client(withId: client.clientId) == client, "the earlier save is intact")
            #expect(try await stores.clients.isOriginAllowed("https://kept.example"))
            // A key column holds 200 characters; the server refuses more rather than cutting it.
            await expectCode(.tooLarge) {
                try await storage.executeRaw("INSERT INTO persisted_grants(`key`, type, client_id, creation_time, data) VALUES (?, 't', 'c', 0, 'd')",
                                             [String(repeating: "k", count: 201)])
            }
            // Payloads over the documented limit never reach the server.
            let huge = PersistedGrant(key: prefix + "huge", type: "t", clientId: "c", creationTime: Date(),
                                      data: String(repeating: "x", count: IdentityStorageLimits.maxPayloadBytes + 1))
            await expectCode(.tooLarge) { try await stores.grants.storeGrant(huge) }
            _ = try await stores.clients.deleteClient(withId: client.clientId)
        }
    }

    // MARK: Time zones

    /// Nothing shifts when the server's global time zone and the process's TZ are not UTC: sessions pin
    /// UTC, and instants are integers anyway.
    @Test func aNonUTCServerAndProcessTimeZoneShiftNothing() async throws {
        guard let base = await MariaDBTestServer.available() else { return }
        try await ServerGate.mariadb.exclusive {
            let admin = try await MariaDBIdentityStorage.open(base)
            let previousTZ = ProcessEnvironment.current["TZ"]
            _ = try await admin.queryRaw("SET GLOBAL time_zone = '+05:30'")
            ProcessEnvironment.set("TZ", "America/St_Johns")
            defer { ProcessEnvironment.set("TZ", previousTZ) }
            do {
                try await MariaDBTestServer.withScratchDatabase(base, "zones") { configuration in
                    let storage = try await MariaDBIdentityStorage.open(configuration)
                    #expect(try await storage.queryRaw("SELECT @@session.time_zone, @@global.time_zone") == [["+00:00", "+05:30"]])
                    let clock = ManualWallClock(start: Date(timeIntervalSince1970: 1_710_037_800.123456)) // 2024-03-10 02:30 UTC
                    let stores = storage.makeStores(clock: clock)
                    let instants = [Date(timeIntervalSince1970: 1_710_037_800.123456), Date(timeIntervalSince1970: -2_208_988_800.000001),
                                    Date(timeIntervalSince1970: 1_699_171_200.999999), Date(timeIntervalSince1970: 4_102_444_800.5)]
                    for (index, instant) in instants.enumerated() {
                        let grant = PersistedGrant(key: "tz\(index)", type: "t", clientId: "c", creationTime: instant.roundedToStoragePrecision,
                                                   expiration: instant.addingTimeInterval(1).roundedToStoragePrecision, data: "d")
                        try await stores.grants.storeGrant(grant)
                        #expect(try await stores.grants.grant(forKey: grant.key) == grant)
                    }
                    // Expiry follows the injected clock to the microsecond, whatever the zones.
                    let edge = PersistedGrant(key: "edge", type: "t", clientId: "c", creationTime: clock.now,
                                              expiration: clock.now.addingTimeInterval(0.000001), data: "d")
                    try await stores.grants.storeGrant(edge)
                    #expect(try await stores.cleanup.removeExpiredGrants(limit: 100).map(\.key).sorted() == ["tz1", "tz2"])
                    clock.advance(by: 0.000002)
                    #expect(try await stores.cleanup.removeExpiredGrants(limit: 100).map(\.key).sorted() == ["edge"])
                    try await stores.cache.set("c", value: [1], options: .relative(1))
                    clock.advance(by: 0.999999)
                    #expect(try await stores.cache.get("c") == [1])
                    clock.advance(by: 0.000001)
                    #expect(try await stores.cache.get("c") == nil)
                    await storage.close()
                }
            } catch {
                _ = try? await admin.queryRaw("SET GLOBAL time_zone = 'SYSTEM'")
                await admin.close()
                throw error
            }
            _ = try await admin.queryRaw("SET GLOBAL time_zone = 'SYSTEM'")
            await admin.close()
        }
    }
}
