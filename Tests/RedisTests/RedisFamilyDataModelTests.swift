import Foundation
import IdentityStorage
import IdentityStorageRedis
import Testing

/// Data-model version 2 (refresh-token families) over data written as version 1: it reads as it is, and opening marks
/// it version 2, so that a library knowing only version 1 refuses it from then on.
@Suite("Redis: data-model version 2 over version 1 data")
struct RedisFamilyDataModelTests {
    @Test func version1DataReadsAsFamiliesOfOneAndIsMarkedVersion2() async throws {
        guard await RedisServers.shared.storage(.standalone) != nil else { return }
        try await RedisKind.standalone.gate.shared {
            let port = try RedisKind.standalone.endpoints[0].port
            let admin = try #require(RawRedis(port: port))
            let prefix = "idstore-v1-\(UInt32.random(in: 0 ... .max)):"
            let configuration = try RedisKind.standalone.configuration(prefix: prefix)
            // A grant in version 1's layout (which is version 2's for a grant without a family), marked version 1.
            let first = try await RedisIdentityStorage.open(configuration)
            let now = Date().roundedToStoragePrecision
            let old = PersistedGrant(key: "old-token", type: PersistedGrantType.refreshToken, subjectId: "ada", clientId: "spa",
                                     creationTime: now, expiration: now.addingTimeInterval(3600), data: "[\"offline_access\"]")
            try await first.makeStores().grants.storeGrant(old)
            await first.close()
            #expect(admin.command(["SET", prefix + "{meta}:version", "1"]) == .text("OK"))

            let storage = try await RedisIdentityStorage.open(configuration)
            #expect(admin.command(["GET", prefix + "{meta}:version"]) == .text("2"), "opening marks the data version 2")
            let grants = storage.makeStores().grants
            #expect(try await grants.grant(forKey: old.key) == old, "a version-1 grant reads as it was written")
            #expect(try await grants.grants(matching: PersistedGrantFilter(familyId: old.key)) == [old], "a family of one")
            var successor = old
            successor.key = "new-token"
            let outcome = try await grants.rotateRefreshToken(presented: old.key, successor: successor, policy: .strict)
            guard case .rotated = outcome else { Issue.record("rotating a version-1 token: \(outcome)"); return }
            #expect(try await grants.removeFamily(old.key) == 2)
            await storage.close()
        }
    }
}
