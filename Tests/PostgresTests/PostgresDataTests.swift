import Foundation
import IdentityStorage
import IdentityStoragePostgres
import ServerTestSupport
import Testing

/// Instants whatever the time zones, bad input, and statement timeouts.
@Suite("PostgreSQL data")
struct PostgresDataTests {
    // MARK: Time zones

    /// The server's `TimeZone` (database default and session), and the process's `TZ`, set to non-UTC
    /// zones with odd offsets and DST: no stored or compared instant moves.
    @Test func timeZonesChangeNoStoredOrComparedInstant() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let admin = try await SharedPostgres.shared.storage()
            let database = uniqueName("idstore_tz")
            try await admin.executeRaw("CREATE DATABASE \(database)")
            try await admin.executeRaw("ALTER DATABASE \(database) SET timezone TO 'America/St_Johns'")
            let previousTZ = ProcessEnvironment.current["TZ"]
            ProcessEnvironment.set("TZ", "Asia/Kolkata")
            defer { ProcessEnvironment.set("TZ", previousTZ) }
            do {
                var configuration = base
                configuration.database = database
                configuration.poolSize = 1
                let clock = ManualWallClock()
                configuration.clock = clock
                let storage = try await PostgresIdentityStorage.open(configuration)
                // A raw session in that database gets the database's zone; the adapter's sessions get UTC.
                #expect(try await storage.executeRaw("SELECT current_setting('TimeZone')") == [["UTC"]])
                // And even with the adapter's own session moved to another zone, nothing changes.
                try await storage.executeScript("SET TimeZone = 'Pacific/Chatham'")
                #expect(try await storage.executeRaw("SELECT current_setting('TimeZone')") == [["Pacific/Chatham"]])
                // The C library's zone moved (what libpq sees); Foundation's TimeZone.current may be cached process-wide.
                var moment = time(nil), local = tm()
                localtime_r(&moment, &local)
                #expect(local.tm_gmtoff == 19_800, "the process zone did not change: offset \(local.tm_gmtoff)")

                let stores = storage.makeStores(clock: clock)
                let instants: [Int64] = [
                    1_710_052_200_123_456,  // 2024-03-10T06:30:00.123456Z: the US DST change
                    1_729_992_600_500_000,  // 2024-10-27T01:30:00.5Z: the EU DST change
                    -1,                     // 1969-12-31T23:59:59.999999Z
                    -2_208_988_800_000_000 + 1,
                    253_402_300_799_000_000,
                ]
                for (index, micros) in instants.enumerated() {
                    let instant = Date(microsecondsSince1970: micros)
                    let grant = PersistedGrant(key: "g\(index)", type: "t", subjectId: "s", clientId: "c", creationTime: instant,
                                               expiration: instant, consumedTime: instant, data: "d")
                    try await stores.grants.storeGrant(grant)
                    #expect(try await stores.grants.grant(forKey: "g\(index)") == grant)
                    let raw = try await storage.executeRaw("SELECT creation_time, expiration, consumed_time FROM persisted_grants WHERE key = $1", ["g\(index)"])
                    #expect(raw == [[String(micros), String(micros), String(micros)]], "stored microseconds of \(instant)")
                }
                // The stored instant is the UTC instant, whatever zone displays it.
                let same = try await storage.executeRaw("""
                    SELECT to_timestamp(creation_time / 1000000.0) = '2024-03-10 06:30:00.123456+00'::timestamptz FROM persisted_grants WHERE key = 'g0'
                    """)
                #expect(same == [["1"]], "booleans read back as 1 or 0")

                // Comparisons: expiry one microsecond either side of "now", across the DST change.
                let now = Date(microsecondsSince1970: 1_710_052_200_000_000)
                clock.set(now)
                for (key, offset) in [("before", -1), ("at", 0), ("after", 1)] {
                    let instant = Date(microsecondsSince1970: 1_710_052_200_000_000 + Int64(offset))
                    try await stores.grants.storeGrant(PersistedGrant(key: key, type: "t", clientId: "c", creationTime: instant, expiration: instant, data: "d"))
                }
                for index in instants.indices { try await stores.grants.removeGrant(forKey: "g\(index)") }
                let removed = try await stores.cleanup.removeExpiredGrants(limit: 10).map(\.key)
                #expect(removed == ["before"])
                try await stores.cache.set("k", value: [1], options: .absolute(now.addingTimeInterval(1)))
                clock.set(Date(microsecondsSince1970: 1_710_052_200_999_999))
                #expect(try await stores.cache.get("k") == [1])
                clock.set(Date(microsecondsSince1970: 1_710_052_201_000_000))
                #expect(try await stores.cache.get("k") == nil)
                await storage.close()
            } catch {
                Issue.record("\(error)")
            }
            try await admin.executeRaw("DROP DATABASE \(database) WITH (FORCE)")
        }
    }

    // MARK: Bad input

    @Test func nulBytesAreRefusedBeforeAnythingIsWritten() async throws {
        guard await PostgresTestServer.available() != nil else { return }
        try await withSharedServer {
            let stores = try await SharedPostgres.shared.storage().makeStores()
            let prefix = uniqueName("nul")
            let grant = PersistedGrant(key: prefix, type: "t", clientId: "c", creationTime: Date().roundedToStoragePrecision, data: "kept")
            try await stores.grants.storeGrant(grant)
            var withNul = grant
            withNul.data = "a\u{0}b"
            await expectCode(.invalidArgument) { try await stores.grants.storeGrant(withNul) }
            await expectCode(.invalidArgument) { _ = try await stores.grants.grant(forKey: prefix + "\u{0}") }
            await expectCode(.invalidArgument) { try await stores.cache.set(prefix + "\u{0}", value: [1], options: .none) }
            await expectCode(.invalidArgument) { try await stores.clients.saveClient(Client(clientId: "a\u{0}")) }
            #expect(try await stores.grants.grant(forKey: prefix) == grant)
            // The connection refuses one too, should a caller bypass validation (text parameters travel NUL-terminated).
            let storage = try await SharedPostgres.shared.storage()
            await expectCode(.invalidArgument) { try await storage.executeRaw("SELECT $1::text", ["a\u{0}b"]) }
            try await stores.grants.removeGrant(forKey: prefix)
        }
    }

    @Test func overLongValuesGetTypedErrorsAndTheLargestAllowedOnesRoundTrip() async throws {
        guard await PostgresTestServer.available() != nil else { return }
        try await withSharedServer {
            let storage = try await SharedPostgres.shared.storage()
            let stores = storage.makeStores()
            let prefix = uniqueName("long")
            let creation = Date().roundedToStoragePrecision
            await expectCode(.invalidArgument) { _ = try await stores.grants.grant(forKey: String(repeating: "k", count: 201)) }
            await expectCode(.invalidArgument) { try await stores.cache.set(String(repeating: "k", count: 450), value: [], options: .none) }
            let largest = String(repeating: "é", count: IdentityStorageLimits.maxPayloadBytes / 2)
            let big = PersistedGrant(key: prefix, type: "t", clientId: "c", creationTime: creation, data: largest)
            try await stores.grants.storeGrant(big)
            #expect(try await stores.grants.grant(forKey: prefix) == big)
            var tooBig = big
            tooBig.data = largest + "x"
            await expectCode(.tooLarge) { try await stores.grants.storeGrant(tooBig) }
            #expect(try await stores.grants.grant(forKey: prefix) == big, "the stored grant is unchanged")
            let bytes = (0..<IdentityStorageLimits.maxPayloadBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await stores.cache.set(prefix, value: bytes, options: .none)
            #expect(try await stores.cache.get(prefix) == bytes)
            await expectCode(.tooLarge) { try await stores.cache.set(prefix, value: bytes + [0], options: .none) }
            #expect(try await stores.cache.get(prefix) == bytes, "the stored value is unchanged")
            try await stores.cache.set(prefix + ".empty", value: [], options: .none)
            #expect(try await stores.cache.get(prefix + ".empty") == [])
            // Past the validation, the server's own limits are typed too: a key too long for a btree index (54000).
            let error = await expectCode(.tooLarge) {
                try await storage.executeRaw("""
                    INSERT INTO persisted_grants(key, type, client_id, creation_time, data)
                    SELECT string_agg(md5(i::text), ''), 't', 'c', 0, '' FROM generate_series(1, 1000) AS i
                    """)
            }
            #expect(error?.backendDetail?.code == "54000", "\(String(describing: error))")
            try await stores.grants.removeGrant(forKey: prefix)
            try await stores.cache.remove(prefix)
            try await stores.cache.remove(prefix + ".empty")
        }
    }

    @Test func invalidUTF8FromTheServerIsCorruptedDataAndRemovable() async throws {
        guard var configuration = await PostgresTestServer.available() else { return }
        // A schema of its own: a damaged client in the conformance suite's schema would break the suite's client
        // listings running meanwhile.
        configuration.schema = "idstore_invalid_utf8"
        try await withSharedServer {
            let storage = try await PostgresIdentityStorage.open(configuration)
            let stores = storage.makeStores()
            let prefix = uniqueName("utf8")
            let now = Date().roundedToStoragePrecision
            let grant = PersistedGrant(key: prefix + ".g", type: "t", subjectId: prefix, clientId: "c", creationTime: now, data: "d")
            try await stores.grants.storeGrant(grant)
            var taken = grant
            taken.key = prefix + ".t"
            taken.subjectId = prefix + ".taken"
            try await stores.grants.storeGrant(taken)
            try await stores.grants.storeGrant(PersistedGrant(key: prefix + ".ok", type: "t", subjectId: prefix + ".other", clientId: "c", creationTime: now, data: "d"))
            let session = ServerSideSession(key: prefix + ".s", scheme: "idsrv", subjectId: prefix, created: now, renewed: now, ticket: "t")
            try await stores.sessions.createSession(session)
            try await stores.clients.saveClient(Client(clientId: prefix + ".c"))
            let device = DeviceAuthorization(deviceCode: prefix + ".d", userCode: prefix + ".u", clientId: "c", creationTime: now,
                                             expiration: now.addingTimeInterval(60), data: "d")
            try await stores.deviceFlow.storeDeviceAuthorization(device)

            try await storage.writeInvalidUTF8(table: "persisted_grants", column: "data", keyColumn: "key", key: grant.key)
            try await storage.writeInvalidUTF8(table: "persisted_grants", column: "data", keyColumn: "key", key: taken.key)
            try await storage.writeInvalidUTF8(table: "server_side_sessions", column: "ticket", keyColumn: "key", key: session.key)
            try await storage.writeInvalidUTF8(table: "clients", column: "document", keyColumn: "client_id", key: prefix + ".c")
            try await storage.writeInvalidUTF8(table: "device_codes", column: "data", keyColumn: "device_code", key: device.deviceCode)
            #expect(try await storage.executeRaw("SELECT encode(data::bytea, 'hex') FROM persisted_grants WHERE key = $1", [grant.key]) == [["c328"]])

            await expectCode(.corruptedData) { _ = try await stores.grants.grant(forKey: grant.key) }
            await expectCode(.corruptedData) { _ = try await stores.grants.grants(matching: PersistedGrantFilter(subjectId: prefix)) }
            // Take is one DELETE … RETURNING: a damaged grant is consumed (it could never be redeemed) and reported.
            await expectCode(.corruptedData) { _ = try await stores.grants.takeGrant(forKey: taken.key) }
            #expect(try await storage.executeRaw("SELECT count(*) FROM persisted_grants WHERE key = $1", [taken.key]) == [["0"]])
            await expectCode(.corruptedData) { _ = try await stores.sessions.session(forKey: session.key) }
            await expectCode(.corruptedData) { _ = try await stores.clients.client(withId: prefix + ".c") }
            await expectCode(.corruptedData) { _ = try await stores.deviceFlow.deviceAuthorization(forUserCode: device.userCode) }
            // Other rows stay readable; damaged ones can still be removed.
            #expect(try await stores.grants.grant(forKey: prefix + ".ok") != nil)
            #expect(try await stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: prefix)) == 1)
            #expect(try await stores.sessions.deleteSession(forKey: session.key))
            #expect(try await stores.clients.deleteClient(withId: prefix + ".c"))
            #expect(try await stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: device.deviceCode))
            #expect(try await stores.grants.removeGrant(forKey: prefix + ".ok"))
            // Text the server itself refuses as invalid UTF-8 (22021) is typed as well.
            let error = await expectCode(.invalidArgument) { try await storage.executeRaw("SELECT convert_from('\\xc328'::bytea, 'UTF8')") }
            #expect(error?.backendDetail?.code == "22021")
            await storage.close()
        }
    }

    // MARK: Timeouts

    /// Runs `body` with a storage of one connection and a 1 s query timeout, and that connection's backend pid.
    /// Holding the server's gate shared, and failing as a hang past 5 minutes counted from then: other tests holding
    /// the gate exclusively are no hang of these.
    private func withOneConnection(_ body: @escaping @Sendable (PostgresIdentityStorage, [[String?]]) async throws -> Void) async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            try await withHangGuard(.seconds(300), "a call past its timeout") {
                var configuration = base
                configuration.poolSize = 1
                configuration.queryTimeout = .seconds(1)
                let storage = try await PostgresIdentityStorage.open(configuration)
                try await body(storage, try await storage.executeRaw("SELECT pg_backend_pid()"))
                await storage.close()
            }
        }
    }

    @Test(.timeLimit(.minutes(30)))
    func aStatementPastTheQueryTimeoutIsCancelledAndTheConnectionKept() async throws {
        try await withOneConnection { storage, pid in
            // 57014 (query_canceled) proves the server's statement timeout ended the sleep, not its own end.
            let error = await expectCode(.timeout) { try await storage.executeRaw("SELECT pg_sleep(5)") }
            #expect(error?.backendDetail?.code == "57014")
            let next = try await storage.executeRaw("SELECT pg_backend_pid()")
            #expect(next == pid, "the same connection serves the next call")
        }
    }

    @Test(.timeLimit(.minutes(30)))
    func aServerThatStopsAnsweringGivesATimeoutNotAHang() async throws {
        try await withOneConnection { storage, pid in
            // The server-side limit is lifted on this session, so only the client's deadline (query timeout + 5 s) is left.
            try await storage.executeScript("SET statement_timeout = 0")
            let started = ContinuousClock.now
            let error = await expectCode(.timeout) { try await storage.executeRaw("SELECT pg_sleep(30)") }
            let waited = ContinuousClock.now - started
            // Not before the deadline; well before the 30 s sleep would have answered (a tight upper bound would
            // measure the machine's load).
            #expect(waited >= .seconds(5) && waited < .seconds(25), "\(waited)")
            #expect(error?.backendDetail == nil)
            let next = try await storage.executeRaw("SELECT pg_backend_pid()")
            #expect(next != pid, "the abandoned connection was replaced")
            try await storage.executeRaw("SELECT pg_terminate_backend($1::integer)", [pid.first?.first.flatMap { $0 } ?? "0"])
        }
    }
}
