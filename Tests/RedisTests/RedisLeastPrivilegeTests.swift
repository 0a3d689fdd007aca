import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageRedis
import ServerTestSupport
import Testing

/// `idstore check` as a user runs it in CI: through the tool library, as an ACL user limited to its key prefix and
/// without dangerous commands (`Scripts/services.sh` starts every server with it; `IDSTORE_TEST_REDIS_APP_URL`,
/// `IDSTORE_TEST_REDIS_CLUSTER_APP_URL`).
@Suite("Redis under a least-privileged ACL user")
struct RedisLeastPrivilegeTests {
    static func url(_ kind: RedisKind) -> String {
        let environment = kind == .standalone ? "IDSTORE_TEST_REDIS_APP_URL" : "IDSTORE_TEST_REDIS_CLUSTER_APP_URL"
        let fallback = kind == .standalone ? "redis://idstore_app:idstore_app@127.0.0.1:26379/0?key_prefix=idstore-app:"
            : "redis-cluster://idstore_app:idstore_app@127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003?key_prefix=idstore-app:"
        return ProcessInfo.processInfo.environment[environment] ?? fallback
    }

    @Test("the user cannot touch other keys", arguments: RedisKind.allCases)
    func theUserIsLimitedToItsPrefix(_ kind: RedisKind) async throws {
        guard await RedisServers.shared.storage(kind) != nil else { return }
        try await kind.gate.shared {
            let storage = try await RedisIdentityStorage.open(.init(url: StoreURL(parsing: Self.url(kind))))
            await #expect(throws: IdentityStorageError.self) { try await storage.rawCommand(["SET", "outside-the-prefix", "1"], routingKey: "outside-the-prefix") }
            await #expect(throws: IdentityStorageError.self) { try await storage.rawCommand(["FLUSHALL"]) }
            await storage.close()
        }
    }

    @Test("check passes every case", arguments: RedisKind.allCases)
    func checkPassesEveryCase(_ kind: RedisKind) async throws {
        guard await RedisServers.shared.storage(kind) != nil else { return }
        let run = await kind.gate.shared {
            await ToolRun.run(["check", "--quiet", "--cache-configuration", "--store", Self.url(kind)], drivers: [RedisDriver()])
        }
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(run)")
    }
}
