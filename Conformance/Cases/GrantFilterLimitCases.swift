import Foundation
import IdentityStorage

extension ConformanceSuite {
    /// The size limit of a grant filter's lists, the same on every backend (``PersistedGrantFilter/maxListCount``).
    static let grantFilterLimitCases: [ConformanceCase] = [
        ConformanceCase("grants.filter.list-limit") { ctx in
            let limit = PersistedGrantFilter.maxListCount
            let subject = ctx.key("sub")
            let grant = PersistedGrant(key: ctx.key("g"), type: ctx.key("t\(limit - 1)"), subjectId: subject, clientId: ctx.key("c\(limit - 1)"),
                                       creationTime: ctx.now, data: "d")
            try await ctx.stores.grants.storeGrant(grant)
            let clients = (0..<limit).map { ctx.key("c\($0)") }
            let types = (0..<limit).map { ctx.key("t\($0)") }
            try expectEqual(try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientIds: clients)), [grant],
                            "grants matching \(limit) client ids")
            try expectEqual(try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: subject, clientIds: clients, types: types)),
                            [grant], "grants matching a subject, \(limit) client ids and \(limit) types")
            for (filter, what) in [(PersistedGrantFilter(clientIds: clients + [ctx.key("one-more")]), "client ids"),
                                   (PersistedGrantFilter(subjectId: subject, types: types + [ctx.key("one-more")]), "types")] {
                try await expectError(.invalidArgument, "grants matching \(limit + 1) \(what)") {
                    _ = try await ctx.stores.grants.grants(matching: filter)
                }
                try await expectError(.invalidArgument, "removing grants matching \(limit + 1) \(what)") {
                    _ = try await ctx.stores.grants.removeGrants(matching: filter)
                }
            }
            try expectEqual(try await ctx.stores.grants.grant(forKey: grant.key), grant, "the grant after the refused filters")
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: subject, clientIds: clients)), 1,
                            "removing grants matching \(limit) client ids")
        },
    ]
}
