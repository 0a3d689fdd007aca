import Foundation
import IdentityStorage

// Persisted grants: PersistedGrantFilter rules for grants(matching:) and removeGrants(matching:).

extension ConformanceSuite {
    static let grantFilterCases: [ConformanceCase] = [
        ConformanceCase("grants.filter.empty-rejected") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("g"), subjectId: ctx.key("sub"))
            try await ctx.stores.grants.storeGrant(grant)
            try await expectError(.invalidArgument, "grants(matching:) with an empty filter") {
                try await ctx.stores.grants.grants(matching: PersistedGrantFilter())
            }
        },

        ConformanceCase("grants.filter.whitespace-only-rejected") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("g"), subjectId: ctx.key("sub"))
            try await ctx.stores.grants.storeGrant(grant)
            let blank = PersistedGrantFilter(subjectId: "", sessionId: " ", clientId: "\t", type: " \n ")
            try await expectError(.invalidArgument, "grants(matching:) with only empty or whitespace scalars") {
                try await ctx.stores.grants.grants(matching: blank)
            }
            try await expectError(.invalidArgument, "removeGrants(matching:) with only empty or whitespace scalars") {
                try await ctx.stores.grants.removeGrants(matching: blank)
            }
            try await OpsKit.expectStored(ctx, grant, "grant after a rejected blank filter")
        },

        ConformanceCase("grants.filter.blank-scalar-ignored") { ctx in
            // A blank scalar next to a set one means "not set": it does not restrict (nor match the empty string).
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, sessionId: "  ", clientId: "", type: "\t"))
            try expectEqual(try OpsKit.keySet(found, "{sub1, blank others}"), m.keys(subject: m.sub1), "keys for {sub1, blank session/client/type}")
        },

        ConformanceCase("grants.filter.single-field-accepted") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let cases: [(String, PersistedGrantFilter, Set<String>)] = [
                ("subjectId", PersistedGrantFilter(subjectId: m.sub1), m.keys(subject: m.sub1)),
                ("sessionId", PersistedGrantFilter(sessionId: m.s2), m.keys(session: m.s2)),
                ("clientId", PersistedGrantFilter(clientId: m.c2), m.keys(clients: [m.c2])),
                ("clientIds", PersistedGrantFilter(clientIds: [m.c3]), m.keys(clients: [m.c3])),
                ("type", PersistedGrantFilter(type: m.t2), m.keys(types: [m.t2])),
                ("types", PersistedGrantFilter(types: [m.t3]), m.keys(types: [m.t3])),
            ]
            for (field, filter, expected) in cases {
                let found = try await ctx.stores.grants.grants(matching: filter)
                try expectEqual(try OpsKit.keySet(found, "{\(field)} alone"), expected, "keys for a filter with only \(field)")
            }
        },

        ConformanceCase("grants.filter.matrix") { ctx in
            // Upstream GetAllAsync_Should_Filter, with exact key sets.
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let combos: [(String, PersistedGrantFilter, Int, Set<String>)] = [
                ("{sub1}", .init(subjectId: m.sub1), 9, m.keys(subject: m.sub1)),
                ("{sub2}", .init(subjectId: m.sub2), 0, []),
                ("{sub1,c1}", .init(subjectId: m.sub1, clientId: m.c1), 4, m.keys(subject: m.sub1, clients: [m.c1])),
                ("{sub1,c2}", .init(subjectId: m.sub1, clientId: m.c2), 4, m.keys(subject: m.sub1, clients: [m.c2])),
                ("{sub1,c3}", .init(subjectId: m.sub1, clientId: m.c3), 1, m.keys(subject: m.sub1, clients: [m.c3])),
                ("{sub1,c4}", .init(subjectId: m.sub1, clientId: m.c4), 0, []),
                ("{sub1,c1,s1}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c1), 2,
                 m.keys(subject: m.sub1, session: m.s1, clients: [m.c1])),
                ("{sub1,c3,s1}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c3), 0, []),
                ("{sub1,c1,s1,t1}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c1, type: m.t1), 1,
                 m.keys(subject: m.sub1, session: m.s1, clients: [m.c1], types: [m.t1])),
                ("{sub1,c1,s1,t3}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c1, type: m.t3), 0, []),
            ]
            for (label, filter, count, expected) in combos {
                try expectEqual(expected.count, count, "fixture self-check for \(label)")
                let found = try await ctx.stores.grants.grants(matching: filter)
                try expectEqual(try OpsKit.keySet(found, label), expected, "keys for \(label)")
            }
        },

        ConformanceCase("grants.filter.returns-whole-grants") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, clientId: m.c3))
            try expectEqual(found.count, 1, "grants for {sub1,c3}")
            try OpsKit.expectSame(found.first, m.rows.first { $0.key == ctx.key("g.c3.s3.t3") }!, "grant returned by a filter")
        },

        ConformanceCase("grants.filter.client-only") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientId: m.c1))
            try expectEqual(try OpsKit.keySet(found, "{c1}"), m.keys(clients: [m.c1]), "keys for {c1} (both subjects)")
            try expectEqual(found.count, 5, "grant count for {c1}")
        },

        ConformanceCase("grants.filter.session-only") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(sessionId: m.s1))
            try expectEqual(try OpsKit.keySet(found, "{s1}"), m.keys(session: m.s1), "keys for {s1} (both subjects)")
            try expectEqual(found.count, 5, "grant count for {s1}")
        },

        ConformanceCase("grants.filter.type-only") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(type: m.t1))
            try expectEqual(try OpsKit.keySet(found, "{t1}"), m.keys(types: [m.t1]), "keys for {t1} (both subjects)")
            try expectEqual(found.count, 5, "grant count for {t1}")
        },

        ConformanceCase("grants.filter.subject-and-session") { ctx in
            // {subjectId, sessionId} without a client: that session's grants of every client, nothing of other sessions.
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let consent = OpsKit.grant(ctx, ctx.key("consent"), type: PersistedGrantType.userConsent, subjectId: m.sub1,
                                       clientId: m.c1, expiresIn: nil)
            try await ctx.stores.grants.storeGrant(consent)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, sessionId: m.s1))
            try expectEqual(try OpsKit.keySet(found, "{sub1,s1}"), m.keys(subject: m.sub1, session: m.s1), "keys for {sub1,s1}")
        },

        ConformanceCase("grants.filter.client-ids-union-client-id") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientId: m.c2, clientIds: [m.c3]))
            try expectEqual(try OpsKit.keySet(found, "clientIds [c3] + clientId c2"), m.keys(clients: [m.c2, m.c3]),
                            "keys for clientIds [c3] ∪ clientId c2")
            let both = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, clientIds: [m.c1, m.c3, m.c4]))
            try expectEqual(try OpsKit.keySet(both, "{sub1, clientIds [c1,c3,c4]}"), m.keys(subject: m.sub1, clients: [m.c1, m.c3]),
                            "keys for {sub1, clientIds [c1,c3,c4]}")
        },

        ConformanceCase("grants.filter.types-union-type") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(type: m.t3, types: [m.t2]))
            try expectEqual(try OpsKit.keySet(found, "types [t2] + type t3"), m.keys(types: [m.t2, m.t3]), "keys for types [t2] ∪ type t3")
            let list = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, types: [m.t1, m.t3]))
            try expectEqual(try OpsKit.keySet(list, "{sub1, types [t1,t3]}"), m.keys(subject: m.sub1, types: [m.t1, m.t3]),
                            "keys for {sub1, types [t1,t3]}")
        },

        ConformanceCase("grants.filter.empty-client-ids-matches-nothing") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let alone = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientIds: []))
            try expectEqual(alone.map(\.key), [], "grants for clientIds [] (accepted, matches nothing)")
            let withSubject = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, clientIds: []))
            try expectEqual(withSubject.map(\.key), [], "grants for {sub1, clientIds []}")
        },

        ConformanceCase("grants.filter.empty-types-matches-nothing") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let alone = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(types: []))
            try expectEqual(alone.map(\.key), [], "grants for types [] (accepted, matches nothing)")
            let withSubject = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: m.sub1, types: []))
            try expectEqual(withSubject.map(\.key), [], "grants for {sub1, types []}")
        },

        ConformanceCase("grants.filter.empty-client-ids-with-client-id") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientId: m.c3, clientIds: []))
            try expectEqual(try OpsKit.keySet(found, "clientIds [] + clientId c3"), m.keys(clients: [m.c3]), "keys for clientIds [] ∪ clientId c3")
            let typed = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(type: m.t3, types: []))
            try expectEqual(try OpsKit.keySet(typed, "types [] + type t3"), m.keys(types: [m.t3]), "keys for types [] ∪ type t3")
        },

        ConformanceCase("grants.filter.case-sensitive") { ctx in
            let sub = ctx.key("Subject-" + OpsKit.nfc)
            let grant = OpsKit.grant(ctx, ctx.key("g"), type: "Type", subjectId: sub, sessionId: ctx.key("Sid"), clientId: ctx.key("Client"))
            try await ctx.stores.grants.storeGrant(grant)
            for (label, filter) in [("subjectId", PersistedGrantFilter(subjectId: ctx.key("subject-" + OpsKit.nfc))),
                                    ("sessionId", PersistedGrantFilter(sessionId: ctx.key("sid"))),
                                    ("clientId", PersistedGrantFilter(clientId: ctx.key("client"))),
                                    ("clientIds", PersistedGrantFilter(clientIds: [ctx.key("client")])),
                                    ("type", PersistedGrantFilter(subjectId: sub, type: "type")),
                                    ("subjectId + trailing space", PersistedGrantFilter(subjectId: sub + " ")),
                                    ("subjectId NFD", PersistedGrantFilter(subjectId: ctx.key("Subject-" + OpsKit.nfd)))] {
                let found = try await ctx.stores.grants.grants(matching: filter)
                try expectEqual(found.map(\.key), [], "grants for a \(label) filter differing in case or bytes")
            }
            let exact = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: sub))
            try expectEqual(exact.map(\.key), [grant.key], "grants for the exact subject")
        },

        ConformanceCase("grants.filter.includes-expired-and-consumed") { ctx in
            let sub = ctx.key("sub")
            let expired = OpsKit.grant(ctx, ctx.key("expired"), subjectId: sub, expiresIn: -3600)
            let consumed = OpsKit.grant(ctx, ctx.key("consumed"), type: PersistedGrantType.refreshToken, subjectId: sub,
                                        consumedTime: OpsKit.time(ctx, -10))
            let live = OpsKit.grant(ctx, ctx.key("live"), subjectId: sub)
            for grant in [expired, consumed, live] { try await ctx.stores.grants.storeGrant(grant) }
            let found = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: sub))
            try expectEqual(try OpsKit.keySet(found, "{sub}"), [expired.key, consumed.key, live.key], "keys incl. expired and consumed")
            try OpsKit.expectSame(found.first { $0.key == consumed.key }, consumed, "consumed grant from the filter")
            try OpsKit.expectSame(found.first { $0.key == expired.key }, expired, "expired grant from the filter")
            try OpsKit.expectSame(try await ctx.stores.grants.grant(forKey: expired.key), expired, "expired grant by key")
        },

        ConformanceCase("grants.filter.grants-without-subject") { ctx in
            // Client-credentials reference tokens have no subject: found by client, never by a subject filter.
            let client = ctx.key("m2m")
            let a = OpsKit.grant(ctx, ctx.key("ref1"), type: PersistedGrantType.referenceToken, clientId: client)
            let b = OpsKit.grant(ctx, ctx.key("ref2"), type: PersistedGrantType.referenceToken, clientId: client)
            let user = OpsKit.grant(ctx, ctx.key("user"), subjectId: ctx.key("sub"), clientId: client)
            for grant in [a, b, user] { try await ctx.stores.grants.storeGrant(grant) }
            let byClient = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientId: client))
            try expectEqual(try OpsKit.keySet(byClient, "{client}"), [a.key, b.key, user.key], "keys for {client}")
            let byType = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientId: client, type: PersistedGrantType.referenceToken))
            try expectEqual(try OpsKit.keySet(byType, "{client, reference_token}"), [a.key, b.key], "keys for {client, reference_token}")
            let bySubject = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(subjectId: ctx.key("sub")))
            try expectEqual(bySubject.map(\.key), [user.key], "keys for {sub}")
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(clientId: client, type: PersistedGrantType.referenceToken)),
                            2, "removed by {client, reference_token}")
            try await OpsKit.expectStored(ctx, user, "user grant of the same client")
        },

        ConformanceCase("grants.filter.malformed-value-rejected") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("g"), subjectId: ctx.key("sub"))
            try await ctx.stores.grants.storeGrant(grant)
            let long = OpsKit.key(ctx, "long", bytes: 201)
            for (label, filter) in [("NUL in subjectId", PersistedGrantFilter(subjectId: ctx.key("s\u{0}ub"))),
                                    ("NUL in clientIds element", PersistedGrantFilter(clientIds: [ctx.key("c\u{0}")])),
                                    ("empty clientIds element", PersistedGrantFilter(clientIds: [""])),
                                    ("201-byte sessionId", PersistedGrantFilter(sessionId: long))] {
                try await expectError(.invalidArgument, "grants(matching:) with \(label)") {
                    try await ctx.stores.grants.grants(matching: filter)
                }
                try await expectError(.invalidArgument, "removeGrants(matching:) with \(label)") {
                    try await ctx.stores.grants.removeGrants(matching: filter)
                }
            }
            try await OpsKit.expectStored(ctx, grant, "grant after rejected malformed filters")
        },
    ]

    static let grantRemoveMatchingCases: [ConformanceCase] = [
        ConformanceCase("grants.remove-matching.empty-rejected") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            try await expectError(.invalidArgument, "removeGrants(matching:) with an empty filter") {
                try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter())
            }
            try expectEqual(try await m.survivors(in: ctx), m.allKeys, "fixture after a rejected empty removeGrants")
        },

        ConformanceCase("grants.remove-matching.matrix") { ctx in
            // Upstream RemoveAllAsync_Should_Filter: the fixture is re-created for each combination.
            let m = OpsKit.Matrix(ctx)
            let combos: [(String, PersistedGrantFilter, Int, Set<String>)] = [
                ("{sub1}", .init(subjectId: m.sub1), 9, m.keys(subject: m.sub1)),
                ("{sub2}", .init(subjectId: m.sub2), 0, []),
                ("{sub1,c1}", .init(subjectId: m.sub1, clientId: m.c1), 4, m.keys(subject: m.sub1, clients: [m.c1])),
                ("{sub1,c2}", .init(subjectId: m.sub1, clientId: m.c2), 4, m.keys(subject: m.sub1, clients: [m.c2])),
                ("{sub1,c3}", .init(subjectId: m.sub1, clientId: m.c3), 1, m.keys(subject: m.sub1, clients: [m.c3])),
                ("{sub1,c4}", .init(subjectId: m.sub1, clientId: m.c4), 0, []),
                ("{sub1,c1,s1}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c1), 2,
                 m.keys(subject: m.sub1, session: m.s1, clients: [m.c1])),
                ("{sub1,c3,s1}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c3), 0, []),
                ("{sub1,c1,s1,t1}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c1, type: m.t1), 1,
                 m.keys(subject: m.sub1, session: m.s1, clients: [m.c1], types: [m.t1])),
                ("{sub1,c1,s1,t3}", .init(subjectId: m.sub1, sessionId: m.s1, clientId: m.c1, type: m.t3), 0, []),
            ]
            for (label, filter, count, removed) in combos {
                try expectEqual(removed.count, count, "fixture self-check for \(label)")
                try await m.store(in: ctx)
                let n = try await ctx.stores.grants.removeGrants(matching: filter)
                try expectEqual(n, count, "count returned by removeGrants(\(label))")
                try expectEqual(try await m.survivors(in: ctx), m.allKeys.subtracting(removed), "survivors of removeGrants(\(label))")
            }
        },

        ConformanceCase("grants.remove-matching.subject-and-session-keeps-other-sessions") { ctx in
            // The AliBazzi Redis store deleted every grant of the subject here (§5.6).
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let consent = OpsKit.grant(ctx, ctx.key("consent"), type: PersistedGrantType.userConsent, subjectId: m.sub1,
                                       clientId: m.c1, expiresIn: nil)
            try await ctx.stores.grants.storeGrant(consent)
            let removed = m.keys(subject: m.sub1, session: m.s1)
            let n = try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: m.sub1, sessionId: m.s1))
            try expectEqual(n, removed.count, "count returned by removeGrants({sub1,s1})")
            try expectEqual(try await m.survivors(in: ctx), m.allKeys.subtracting(removed), "survivors of removeGrants({sub1,s1})")
            try await OpsKit.expectStored(ctx, consent, "consent of the subject without a session")
        },

        ConformanceCase("grants.remove-matching.client-only") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let removed = m.keys(clients: [m.c1])
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(clientId: m.c1)), 5, "removed by {c1}")
            try expectEqual(try await m.survivors(in: ctx), m.allKeys.subtracting(removed), "survivors of removeGrants({c1})")
        },

        ConformanceCase("grants.remove-matching.session-only") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let removed = m.keys(session: m.s2)
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(sessionId: m.s2)), 4, "removed by {s2}")
            try expectEqual(try await m.survivors(in: ctx), m.allKeys.subtracting(removed), "survivors of removeGrants({s2})")
        },

        ConformanceCase("grants.remove-matching.type-only") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let removed = m.keys(types: [m.t1])
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(type: m.t1)), 5, "removed by {t1}")
            try expectEqual(try await m.survivors(in: ctx), m.allKeys.subtracting(removed), "survivors of removeGrants({t1})")
        },

        ConformanceCase("grants.remove-matching.list-unions") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let filter = PersistedGrantFilter(subjectId: m.sub1, clientId: m.c1, clientIds: [m.c3], type: m.t3, types: [m.t1])
            let removed = m.keys(subject: m.sub1, clients: [m.c1, m.c3], types: [m.t1, m.t3])
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: filter), removed.count,
                            "removed by {sub1, clientIds [c3] ∪ c1, types [t1] ∪ t3}")
            try expectEqual(try await m.survivors(in: ctx), m.allKeys.subtracting(removed), "survivors of the union filter")
        },

        ConformanceCase("grants.remove-matching.empty-lists-remove-nothing") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(clientIds: [])), 0, "removed by clientIds []")
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: PersistedGrantFilter(subjectId: m.sub1, types: [])), 0,
                            "removed by {sub1, types []}")
            try expectEqual(try await m.survivors(in: ctx), m.allKeys, "fixture after removes with empty lists")
        },

        ConformanceCase("grants.remove-matching.second-call-removes-nothing") { ctx in
            let m = OpsKit.Matrix(ctx)
            try await m.store(in: ctx)
            let filter = PersistedGrantFilter(subjectId: m.sub1, clientId: m.c2)
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: filter), 4, "first removeGrants({sub1,c2})")
            try expectEqual(try await ctx.stores.grants.removeGrants(matching: filter), 0, "second removeGrants({sub1,c2})")
        },
    ]
}
