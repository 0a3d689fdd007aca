import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStoragePostgres
import ServerTestSupport
import Testing

/// Standalone statements queued at the same moment run in one libpq pipeline: fewer round trips, the same answers,
/// and a statement that fails fails only itself.
@Suite("PostgreSQL pipeline")
struct PostgresPipelineTests {
    @Test func statementsQueuedTogetherShareRoundTrips() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            // One connection: every call queues behind the one running, so calls pile up and go out together.
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_pipeline") { $0.poolSize = 1; $0.pipelineDepth = 32 }
            let storage = opened.storage
            let grants = storage.makeStores().grants
            let now = Date().roundedToStoragePrecision
            for index in 0..<8 {
                try await grants.storeGrant(PersistedGrant(key: "g\(index)", type: "refresh_token", clientId: "c", creationTime: now,
                                                           expiration: now.addingTimeInterval(3600), data: "\(index)"))
            }
            _ = try await grants.grant(forKey: "g0") // prepares the statement
            let before = storage.roundTrips
            let found = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for index in 0..<64 {
                    group.addTask { (index, try await grants.grant(forKey: "g\(index % 16)")?.data) }
                }
                return try await group.reduce(into: [Int: String?]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<64 {
                #expect(found[index, default: "missing"] == (index % 16 < 8 ? "\(index % 16)" : nil), "get \(index)")
            }
            let roundTrips = storage.roundTrips - before
            #expect(roundTrips < 64, "64 gets took \(roundTrips) round trips")
            try await opened.close()
        }
    }

    @Test func aFailingStatementFailsOnlyItself() async throws {
        guard let base = await PostgresTestServer.available() else { return }
        try await withSharedServer {
            let opened = try await PrivateSchemaStorage.open(base, prefix: "idstore_pipeline") { $0.poolSize = 1; $0.pipelineDepth = 32 }
            let storage = opened.storage
            let outcomes = await withTaskGroup(of: (Int, Result<[String], any Error>).self) { group in
                for index in 0..<48 {
                    group.addTask {
                        // Every fourth divides by zero when it runs; every seventh cannot be sent (a NUL in text).
                        let divisor = index % 4 == 0 ? "0" : "1"
                        let text = index % 7 == 0 ? "nul\u{0}" : "v\(index)"
                        do {
                            return (index, .success(try await storage.standaloneRaw("SELECT ($1::int / $2::int)::text || $3::text",
                                                                                  [String(index), divisor, text])))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<[String], any Error>]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<48 {
                switch outcomes[index] {
                case .success(let rows):
                    #expect(index % 4 != 0 && index % 7 != 0, "\(index) should have failed")
                    #expect(rows == ["\(index)v\(index)"])
                case .failure(let error):
                    #expect(index % 4 == 0 || index % 7 == 0, "\(index) failed: \(error)")
                case nil:
                    Issue.record("no outcome for \(index)")
                }
            }
            // The connection still serves.
            #expect(try await storage.standaloneRaw("SELECT 'alive'") == ["alive"])
            try await opened.close()
        }
    }

    /// Every conformance case, race cases included, with two connections that pipeline whatever queues behind them.
    @Test func checkPassesEveryCaseWithPipelines() async throws {
        guard await PostgresTestServer.available() != nil else { return }
        let url = TestServerURL.postgres + (TestServerURL.postgres.contains("?") ? "&" : "?") + "schema=idstore_pipelined&pool_size=2&pipeline_depth=32"
        let run = try await withSharedServer {
            await ToolRun.run(["check", "--quiet", "--store", url], drivers: [PostgresDriver()])
        }
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }
}
