import Foundation
import IdentityStorage

private typealias F = HousekeepingFixtures

// Filters and session queries over more items than one step of a backend that works in bounded steps (Redis reads
// 256 index members, 256 filter values or 256 sessions per script), so that every way a step goes on is taken.

extension ConformanceSuite {
    static let largeIndexCases: [ConformanceCase] = [
        ConformanceCase("grants.filter.past-one-step", requires: .refreshTokenFamilies, because: FamilyKit.reason) { ctx in
            // One family (one bucket, on Redis) of 300 grants: its root has no family id, the others name the root.
            let root = ctx.key("m000")
            var codes = Set<String>(), refreshTokens = Set<String>()
            for index in 0..<300 {
                let key = ctx.key("m" + String(format: "%03d", index))
                let type = index % 3 == 0 ? PersistedGrantType.authorizationCode : PersistedGrantType.refreshToken
                try await ctx.stores.grants.storeGrant(PersistedGrant(key: key, type: type, subjectId: ctx.key("sub"), clientId: ctx.key("client\(index % 5)"),
                                                                      creationTime: ctx.now, expiration: ctx.now.addingTimeInterval(3600), data: "d",
                                                                      familyId: index == 0 ? nil : root))
                if index % 3 == 0 { codes.insert(key) } else { refreshTokens.insert(key) }
            }
            let everyone = codes.union(refreshTokens)
            let clients = (0..<5).map { ctx.key("client\($0)") } + (0..<600).map { ctx.key("stranger\($0)") }
            let reads: [(String, PersistedGrantFilter, Set<String>)] = [
                ("{family}", PersistedGrantFilter(familyId: root), everyone),
                ("{605 clients}", PersistedGrantFilter(clientIds: clients), everyone),
                ("{605 clients, refresh tokens}", PersistedGrantFilter(clientIds: clients, type: PersistedGrantType.refreshToken), refreshTokens),
                ("{family, 605 clients, codes}", PersistedGrantFilter(clientIds: clients, type: PersistedGrantType.authorizationCode, familyId: root), codes),
                ("{sub, 600 strangers}", PersistedGrantFilter(subjectId: ctx.key("sub"), clientIds: Array(clients.dropFirst(5))), []),
            ]
            for (label, filter, expected) in reads {
                let found = try await ctx.stores.grants.grants(matching: filter)
                try expectEqual(found.count, expected.count, "grants for \(label), each once")
                try expectEqual(try OpsKit.keySet(found, label), expected, "keys for \(label)")
            }
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(clientIds: clients, type: PersistedGrantType.authorizationCode,
                                                                                                 familyId: root)),
                            codes.count, "removing the family's codes")
            try expectEqual(try OpsKit.keySet(try await ctx.stores.grants.grants(matching: PersistedGrantFilter(familyId: root)), "after"), refreshTokens,
                            "the family after its codes were removed")
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: ctx.key("sub"))), refreshTokens.count,
                            "removing the subject's grants")
            try expectEqual(try await ctx.stores.grants.grants(matching: PersistedGrantFilter(familyId: root)), [], "the family at the end")
        },

        ConformanceCase("sessions.query.past-one-step") { ctx in
            // 300 sessions in key order; every tenth has a subject the narrow filter finds.
            var keys: [String] = [], rare: [String] = []
            for index in 0..<300 {
                let name = "q" + String(format: "%03d", index)
                let subject = ctx.key(index % 10 == 0 ? "many-rare-\(index)" : "many-\(index)")
                try await ctx.stores.sessions.createSession(F.session(ctx, name, subject: subject, expiresIn: 3600))
                keys.append(ctx.key(name))
                if index % 10 == 0 { rare.append(ctx.key(name)) }
            }
            var token: String? = nil
            var visited: [String] = []
            for page in 1...3 {
                let result = try await ctx.stores.sessions.querySessions(SessionQuery(resultsToken: token, countRequested: 120, subjectId: ctx.key("many-")))
                try expectEqual(result.totalCount, 300, "page \(page) totalCount")
                try expectEqual(result.hasNextResults, page < 3, "page \(page) hasNextResults")
                visited += F.keys(result.results)
                token = result.resultsToken
            }
            try expectEqual(visited, keys, "every session visited once, in key order")
            let narrow = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 50, subjectId: ctx.key("many-rare-")))
            try expectEqual(F.keys(narrow.results), rare, "the sessions of the narrow filter, in key order")
            try expectEqual(narrow.totalCount, rare.count, "the narrow filter's totalCount")
            let back = try await ctx.stores.sessions.querySessions(SessionQuery(resultsToken: token, requestPriorResults: true, countRequested: 120,
                                                                                subjectId: ctx.key("many-")))
            try expectEqual(F.keys(back.results), Array(keys[120..<240]), "the page before the last")
        },
    ]
}
