import Foundation
import IdentityStorage

// The edges of the accepted instant range (issue 23, item 9): what a store accepts on write it reads back, lists, loads
// and cleans up around, on every backend, and the `Date` one past either edge is refused. Before, a grant or signing key
// created at `Date.distantPast` was accepted by the SQL and Redis writes and then failed every listing of its subject,
// every key load and every cleanup pass as corrupted data.

extension ConformanceSuite {
    static let instantRangeEdgeCases: [ConformanceCase] = [
        // Under `cleanup.` so that it has the database to itself: its pass removes every expired grant, and it leaves a
        // grant expiring in year 1 for a moment, which another cleanup case's drain would take.
        ConformanceCase("cleanup.instant.range-edges") { ctx in
            ctx.useIsolatedEpoch()
            try await HousekeepingFixtures.drainCleanup(ctx)
            let (first, last) = (InstantKit.first, InstantKit.last)
            let store = ctx.stores.grants
            let subject = ctx.key("sub")
            func grant(_ name: String, created: Date, expires: Date?, consumed: Date?) -> PersistedGrant {
                PersistedGrant(key: ctx.key(name), type: PersistedGrantType.refreshToken, subjectId: subject, clientId: ctx.key("client"),
                               creationTime: created, expiration: expires, consumedTime: consumed, data: "{\"grant\":\"\(name)\"}")
            }
            let expired = grant("expired", created: first, expires: first, consumed: nil)     // expired in year 1
            let lasting = grant("lasting", created: first, expires: last, consumed: last)
            let consumed = grant("consumed", created: ctx.now, expires: last, consumed: first) // consumed in year 1
            let refused: [(String, String, PersistedGrant)] = [
                ("grant creationTime", "created just before the first accepted instant",
                 grant("r1", created: InstantKit.beforeFirst, expires: last, consumed: nil)),
                ("grant creationTime", "created at Date.distantPast", grant("r2", created: .distantPast, expires: last, consumed: nil)),
                ("grant expiration", "expiring just before the first accepted instant",
                 grant("r3", created: first, expires: InstantKit.beforeFirst, consumed: nil)),
                ("grant expiration", "expiring just after the last accepted instant",
                 grant("r4", created: first, expires: InstantKit.afterLast, consumed: nil)),
                ("grant consumedTime", "consumed just after the last accepted instant",
                 grant("r5", created: first, expires: nil, consumed: InstantKit.afterLast)),
            ]
            // Removed by key, not by listing: a listing fails on a row a store should have refused.
            let cleanUp = {
                for grant in refused.map(\.2) + [expired, lasting, consumed] { _ = try? await store.removeGrant(forKey: grant.key) }
            }
            do {
                for (field, what, grant) in refused {
                    try await InstantKit.expectRefused(field, "storing a grant \(what)") { try await store.storeGrant(grant) }
                }
                for grant in [expired, lasting, consumed] { try await store.storeGrant(grant) }
                for grant in [expired, lasting, consumed] {
                    try OpsKit.expectSame(try await store.grant(forKey: grant.key), grant, "grant \(grant.key) read back at the range's edges")
                }
                let listed = try await store.grants(matching: PersistedGrantFilter(subjectId: subject))
                try expectEqual(Set(listed.map(\.key)), Set([expired, lasting, consumed].map(\.key)), "grants of the subject")
                for grant in listed {
                    try OpsKit.expectSame(grant, [expired, lasting, consumed].first { $0.key == grant.key }!, "listed grant \(grant.key)")
                }
                let typed = try await store.grants(matching: PersistedGrantFilter(subjectId: subject, type: PersistedGrantType.refreshToken))
                try expectEqual(typed.count, 3, "grants of the subject and type")

                var configuration = CleanupRunner.Configuration()
                configuration.removeConsumedGrants = true
                let report = try await CleanupRunner(store: ctx.stores.cleanup, clock: HousekeepingFixtures.runnerClock(ctx),
                                                     configuration: configuration).run()
                try expect(report.expiredGrants >= 1 && report.consumedGrants >= 1,
                           "the cleanup pass removed the grant expired and the one consumed in year 1 (report: \(report))")
                let after = try await store.grants(matching: PersistedGrantFilter(subjectId: subject))
                try expectEqual(after.map(\.key), [lasting.key], "grants of the subject after the cleanup pass")
                try OpsKit.expectSame(after.first, lasting, "the grant spanning the whole range after the cleanup pass")
            } catch {
                await cleanUp()
                throw error
            }
            // It expires in year 9999: leave nothing behind.
            await cleanUp()
        },

        // Under `signing-keys.conditional.` and behind the gate: a key created at the last accepted instant is newer than
        // every threshold the other conditional cases use.
        ConformanceCase("signing-keys.conditional.range-edges") { ctx in
            try await signingKeyGate.run {
                let store = ctx.stores.signingKeys
                let oldest = ConfigSupport.signingKey(ctx, "first", created: InstantKit.first)
                let newest = ConfigSupport.signingKey(ctx, "last", created: InstantKit.last)
                let refused: [(String, Date)] = [("just before the first accepted instant", InstantKit.beforeFirst),
                                                 ("at Date.distantPast", .distantPast),
                                                 ("just after the last accepted instant", InstantKit.afterLast)]
                let candidate = ConfigSupport.signingKey(ctx, "candidate")
                // Deleted by id, not by loading: a load fails on a key a store should have refused.
                let ids = refused.indices.map { ctx.key("refused\($0)") } + [oldest.id, newest.id, candidate.id]
                let cleanUp = { for id in ids { _ = try? await store.deleteKey(withId: id) } }
                do {
                    for (index, (what, created)) in refused.enumerated() {
                        let key = ConfigSupport.signingKey(ctx, "refused\(index)", created: created)
                        try await InstantKit.expectRefused("signing key created", "storing a key created \(what)") { try await store.storeKey(key) }
                        try await InstantKit.expectRefused("signing key created", "conditionally storing a key created \(what)") {
                            try await store.storeKey(key, ifNoKeyCreatedAfter: InstantKit.last)
                        }
                    }
                    try await store.storeKey(oldest)
                    try await store.storeKey(newest)
                    // Every key of the store loads, the edges exactly.
                    let all = try await store.loadKeys()
                    try ConfigSupport.expectSameKey(all.first { $0.id == oldest.id }, oldest, "the key created at the first accepted instant")
                    try ConfigSupport.expectSameKey(all.first { $0.id == newest.id }, newest, "the key created at the last accepted instant")
                    let mine = try await ConfigSupport.myKeys(ctx)
                    try expectEqual(mine.map(\.id).sorted(), [oldest.id, newest.id].sorted(), "this case's keys")
                    // A key created AT the threshold is not created after it.
                    try expect(!(try await store.storeKey(candidate, ifNoKeyCreatedAfter: InstantKit.first)),
                               "a key is created after the first accepted instant")
                    try expect(try await store.storeKey(candidate, ifNoKeyCreatedAfter: InstantKit.last),
                               "no key is created after the last accepted instant")
                    try expectEqual(try await ConfigSupport.myKeys(ctx).count, 3, "this case's keys after the conditional store")
                } catch {
                    await cleanUp()
                    throw error
                }
                await cleanUp()
            }
        },

        ConformanceCase("clients.secret-expiration.range-edges") { ctx in
            var client = Client(clientId: ctx.key("client"))
            client.clientSecrets = [Secret(value: "first", expiration: InstantKit.first), Secret(value: "last", expiration: InstantKit.last),
                                    Secret(value: "never")]
            try await ctx.stores.clients.saveClient(client)
            let stored = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "client with secrets at the range's edges")
            let expirations = Dictionary(uniqueKeysWithValues: stored.clientSecrets.map { ($0.value, $0.expiration) })
            try expectEqual(expirations, ["first": InstantKit.first, "last": InstantKit.last, "never": nil], "secret expirations read back")
            try expect(try await ctx.stores.clients.deleteClient(withId: client.clientId), "deleting the client")
        },
    ]
}
