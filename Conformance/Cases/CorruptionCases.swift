import Foundation
import IdentityStorage

extension ConformanceSuite {
    /// Stored data damaged behind the store's back: reads fail with `corruptedData`, other data stays readable.
    static let corruptionCases: [ConformanceCase] = [
        ConformanceCase("clients.corrupted.unknown-refresh-token-usage", damagesStoredData: true) { ctx in
            try await expectCorruptedClient(ctx, .clientRefreshTokenUsage(clientId: ctx.key("bad")))
        },
        ConformanceCase("clients.corrupted.unknown-access-token-type", damagesStoredData: true) { ctx in
            try await expectCorruptedClient(ctx, .clientAccessTokenType(clientId: ctx.key("bad")))
        },
        ConformanceCase("key-ring.corrupted.all-or-nothing", damagesStoredData: true) { ctx in
            // The ring is global: hold the gate the other key-ring cases hold, so their before/after comparisons stay exact.
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let good = try await ring.storeElement(xml: "<key id=\"\(ctx.key("good"))\"/>", friendlyName: nil)
                let bad = try await ring.storeElement(xml: "<key id=\"\(ctx.key("bad"))\"/>", friendlyName: nil)
                try await ctx.corrupt(.keyRingElement(id: bad.id))
                try await expectError(.corruptedData, "reading a ring with an unreadable element") { try await ring.allElements() }
                try expectEqual(try await ring.deleteElements(withIds: [bad.id]), 1, "deleting the unreadable element")
                let after = try await ring.allElements()
                try expect(after.contains(good), "the readable element survives")
                try await ring.deleteElements(withIds: [good.id])
            }
        },
        ConformanceCase("grants.corrupted.unreadable-row", damagesStoredData: true) { ctx in
            let grants = ctx.stores.grants
            func grant(_ name: String) -> PersistedGrant {
                PersistedGrant(key: ctx.key(name), type: "refresh_token", subjectId: ctx.key("sub"), clientId: ctx.key("client"),
                               creationTime: ctx.now, data: "{}")
            }
            try await grants.storeGrant(grant("good"))
            try await grants.storeGrant(grant("bad"))
            try await ctx.corrupt(.grant(key: ctx.key("bad")))
            try await expectError(.corruptedData, "reading a grant whose stored row is damaged") { try await grants.grant(forKey: ctx.key("bad")) }
            try expectEqual(try await grants.grant(forKey: ctx.key("good")), grant("good"), "the intact grant")
            try expect(try await grants.removeGrant(forKey: ctx.key("bad")), "a corrupted grant can still be removed")
        },
    ]

    private static func expectCorruptedClient(_ ctx: ConformanceContext, _ corruption: StoredDataCorruption) async throws {
        let clients = ctx.stores.clients
        var good = Client(clientId: ctx.key("good"))
        good.allowedScopes = ["openid"]
        try await clients.saveClient(good)
        try await clients.saveClient(Client(clientId: ctx.key("bad")))
        try await ctx.corrupt(corruption)
        try await expectError(.corruptedData, "reading a client with an unknown enum value") { try await clients.client(withId: ctx.key("bad")) }
        try expectEqual(try await clients.client(withId: ctx.key("good")), good, "the intact client")
        try expect(try await clients.deleteClient(withId: ctx.key("bad")), "a corrupted client can still be deleted")
        try expectNil(try await clients.client(withId: ctx.key("bad")), "the deleted client")
    }
}
