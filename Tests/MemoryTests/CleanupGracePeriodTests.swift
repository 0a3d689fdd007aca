import Foundation
import IdentityStorage
import IdentityStorageMemory
import Testing

/// Cleanup keeps consumed refresh tokens at least as long as the refresh-token grace period: a configuration that would
/// remove them earlier is refused, and a retry within grace still finds its token after a pass.
@Suite("Cleanup and the refresh-token grace period")
struct CleanupGracePeriodTests {
    @Test func aConsumedDelayShorterThanTheGracePeriodIsRefused() async throws {
        let clock = ManualWallClock()
        let stores = MemoryIdentityStorage(configuration: .init(clock: clock)).makeStores()
        let short = CleanupRunner.Configuration(removeConsumedGrants: true, consumedGrantCleanupDelay: 5, refreshTokenGracePeriod: 10)
        #expect(throws: IdentityStorageError.self) { try short.validate() }
        await #expect { _ = try await CleanupRunner(stores: stores, clock: clock, configuration: short).run() } throws: { error in
            (error as? IdentityStorageError)?.code == .invalidArgument && "\(error)".contains("grace period")
        }
        // Not removing consumed grants at all keeps them until they expire: any grace period is fine.
        try CleanupRunner.Configuration(refreshTokenGracePeriod: 10).validate()
        try CleanupRunner.Configuration(removeConsumedGrants: true, consumedGrantCleanupDelay: 10, refreshTokenGracePeriod: 10).validate()
    }

    @Test func aRetryWithinTheGracePeriodStillGetsTokensAfterACleanupPass() async throws {
        let clock = ManualWallClock()
        let stores = MemoryIdentityStorage(configuration: .init(clock: clock)).makeStores()
        let policy = RefreshTokenRotationPolicy(gracePeriod: 10, maxReuseCount: 1)
        let now = clock.now
        let token = PersistedGrant(key: "rt", type: PersistedGrantType.refreshToken, clientId: "spa", creationTime: now,
                                   expiration: now.addingTimeInterval(3600), data: "[]")
        try await stores.grants.storeGrant(token)
        var successor = token
        successor.key = "rt2"
        guard case .rotated = try await stores.grants.rotateRefreshToken(presented: "rt", successor: successor, policy: policy) else {
            Issue.record("the first rotation")
            return
        }
        clock.advance(by: 9)
        let configuration = CleanupRunner.Configuration(removeConsumedGrants: true, consumedGrantCleanupDelay: 10, refreshTokenGracePeriod: 10)
        let report = try await CleanupRunner(stores: stores, clock: clock, configuration: configuration).run()
        #expect(report.consumedGrants == 0)
        successor.key = "rt3"
        let retry = try await stores.grants.rotateRefreshToken(presented: "rt", successor: successor, policy: policy)
        guard case .reusedWithinGrace = retry else {
            Issue.record("a retry 9 s after the rotation, after a cleanup pass: \(retry)")
            return
        }
    }
}
