import Foundation
import IdentityStorage

private typealias F = HousekeepingFixtures

extension ConformanceSuite {
    // MARK: create / get / update / delete

    static let sessionCrudCases: [ConformanceCase] = [
        ConformanceCase("sessions.create.round-trip") { ctx in
            let session = ServerSideSession(key: ctx.key("s1"), scheme: "oidc-scheme", subjectId: ctx.key("alice"),
                                            sessionId: ctx.key("sid-1"), displayName: "Alice Example",
                                            created: F.at(ctx, -3600), renewed: F.at(ctx, -10.000_123),
                                            expires: F.at(ctx, 7200.5), ticket: "CfDJ8-opaque-ticket+/=")
            try await ctx.stores.sessions.createSession(session)
            try expectEqual(try await ctx.stores.sessions.session(forKey: session.key), session, "session read back")
        },

        ConformanceCase("sessions.create.round-trip-nil-fields") { ctx in
            let session = F.session(ctx, "s1", sessionId: nil, displayName: nil, expiresIn: nil)
            try await ctx.stores.sessions.createSession(session)
            let read = try expectValue(try await ctx.stores.sessions.session(forKey: session.key), "session read back")
            try expectEqual(read, session, "session with nil sessionId, displayName and expires")
            try expectNil(read.sessionId, "sessionId")
            try expectNil(read.displayName, "displayName")
            try expectNil(read.expires, "expires")
        },

        ConformanceCase("sessions.create.round-trip-empty-strings") { ctx in
            // An empty display name and ticket are values, not nil.
            let session = F.session(ctx, "s1", sessionId: ctx.key("sid"), displayName: "", expiresIn: 60, ticket: "")
            try await ctx.stores.sessions.createSession(session)
            let read = try expectValue(try await ctx.stores.sessions.session(forKey: session.key), "session read back")
            try expectEqual(read, session, "session with empty displayName and ticket")
            try expectEqual(read.displayName, "", "empty displayName stays empty (not nil)")
        },

        ConformanceCase("sessions.create.round-trip-unicode") { ctx in
            let name = "Zoë 😀 山田太郎 שלום e\u{301} \u{202E}rtl"
            let session = F.session(ctx, "s1", subject: ctx.key("sübject-山"), sessionId: ctx.key("sid-😀"),
                                    displayName: name, expiresIn: 60, ticket: "ticket 🎫 ✓ \u{301}")
            try await ctx.stores.sessions.createSession(session)
            let read = try expectValue(try await ctx.stores.sessions.session(forKey: session.key), "session read back")
            try expect(read.displayName?.utf8.elementsEqual(name.utf8) == true, "display name bytes differ: \(read.displayName ?? "nil")")
            try expect(read.subjectId.utf8.elementsEqual(session.subjectId.utf8), "subject bytes differ: \(read.subjectId)")
            try expect(read.ticket.utf8.elementsEqual(session.ticket.utf8), "ticket bytes differ: \(read.ticket)")
            try expectEqual(read, session, "unicode session")
        },

        ConformanceCase("sessions.create.large-ticket") { ctx in
            let ticket = String(repeating: "0123456789abcdef", count: 65_536) // 1 MiB
            let session = F.session(ctx, "s1", expiresIn: 60, ticket: ticket)
            try await ctx.stores.sessions.createSession(session)
            let read = try expectValue(try await ctx.stores.sessions.session(forKey: session.key), "session read back")
            try expect(read.ticket == ticket, "1 MiB ticket differs: got \(read.ticket.utf8.count) bytes")
        },

        ConformanceCase("sessions.create.duplicate") { ctx in
            let original = F.session(ctx, "s1", sessionId: ctx.key("sid-1"), displayName: "first", expiresIn: 60, ticket: "first")
            try await ctx.stores.sessions.createSession(original)
            var second = F.session(ctx, "s1", subject: ctx.key("other"), sessionId: ctx.key("sid-2"), displayName: "second", expiresIn: 120, ticket: "second")
            second.scheme = "other"
            try await expectError(.duplicate, "creating a session whose key exists") {
                try await ctx.stores.sessions.createSession(second)
            }
            try expectEqual(try await ctx.stores.sessions.session(forKey: original.key), original, "original session after the duplicate create")
        },

        ConformanceCase("sessions.get.missing") { ctx in
            try expectNil(try await ctx.stores.sessions.session(forKey: ctx.key("missing")), "session that was never created")
        },

        ConformanceCase("sessions.get.returns-expired") { ctx in
            let session = F.session(ctx, "s1", expiresIn: -30)
            try await ctx.stores.sessions.createSession(session)
            try expectEqual(try await ctx.stores.sessions.session(forKey: session.key), session, "expired session before it is claimed")
        },

        ConformanceCase("sessions.key.exact-bytes") { ctx in
            let names = ["Key", "key", "key ", "caf\u{E9}", "cafe\u{301}"]
            for (index, name) in names.enumerated() {
                try await ctx.stores.sessions.createSession(F.session(ctx, name, displayName: "n\(index)", ticket: "t\(index)"))
            }
            for (index, name) in names.enumerated() {
                let read = try expectValue(try await ctx.stores.sessions.session(forKey: ctx.key(name)), "session '\(name)'")
                try expect(read.key.utf8.elementsEqual(ctx.key(name).utf8), "key bytes of '\(name)' came back as '\(read.key)'")
                try expectEqual(read.ticket, "t\(index)", "ticket of the session keyed '\(name)'")
            }
            try expectNil(try await ctx.stores.sessions.session(forKey: ctx.key("KEY")), "a key differing only in case")
        },

        ConformanceCase("sessions.update.existing") { ctx in
            let original = F.session(ctx, "s1", sessionId: ctx.key("sid"), displayName: "before", expiresIn: 60, ticket: "before")
            try await ctx.stores.sessions.createSession(original)
            var renewed = original
            renewed.renewed = F.at(ctx, 0)
            renewed.expires = F.at(ctx, 3600)
            renewed.displayName = nil
            renewed.ticket = "after"
            try expectEqual(try await ctx.stores.sessions.updateSession(renewed), true, "update of an existing session")
            try expectEqual(try await ctx.stores.sessions.session(forKey: original.key), renewed, "session after update")
        },

        ConformanceCase("sessions.update.clears-expiry") { ctx in
            let original = F.session(ctx, "s1", expiresIn: -10)
            try await ctx.stores.sessions.createSession(original)
            var renewed = original
            renewed.expires = nil
            try expectEqual(try await ctx.stores.sessions.updateSession(renewed), true, "update of an existing session")
            try expectEqual(try await ctx.stores.sessions.session(forKey: original.key), renewed, "session after removing its expiry")
        },

        ConformanceCase("sessions.update.missing") { ctx in
            let session = F.session(ctx, "s1", expiresIn: 60)
            try expectEqual(try await ctx.stores.sessions.updateSession(session), false, "update of a session that does not exist")
            try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "session after updating a missing key (must not be created)")
        },

        ConformanceCase("sessions.update.no-resurrection") { ctx in
            let session = F.session(ctx, "s1", expiresIn: 60)
            try await ctx.stores.sessions.createSession(session)
            try expectEqual(try await ctx.stores.sessions.deleteSession(forKey: session.key), true, "delete")
            var renewed = session
            renewed.renewed = F.at(ctx, 0)
            try expectEqual(try await ctx.stores.sessions.updateSession(renewed), false, "renewal of a deleted session")
            try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "deleted session after a renewal")
        },

        ConformanceCase("sessions.delete.existing") { ctx in
            let session = F.session(ctx, "s1", expiresIn: 60)
            let other = F.session(ctx, "s2", expiresIn: 60)
            try await ctx.stores.sessions.createSession(session)
            try await ctx.stores.sessions.createSession(other)
            try expectEqual(try await ctx.stores.sessions.deleteSession(forKey: session.key), true, "delete of an existing session")
            try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "deleted session")
            try expectEqual(try await ctx.stores.sessions.session(forKey: other.key), other, "another session after the delete")
            try expectEqual(try await ctx.stores.sessions.deleteSession(forKey: session.key), false, "second delete of the same key")
        },

        ConformanceCase("sessions.delete.missing") { ctx in
            try expectEqual(try await ctx.stores.sessions.deleteSession(forKey: ctx.key("missing")), false, "delete of a missing session")
        },

        ConformanceCase("sessions.create.invalid-key") { ctx in
            for (key, what) in [("", "an empty key"), (ctx.key("nul\u{0}key"), "a key with a NUL byte"),
                                (ctx.key(String(repeating: "k", count: 201)), "a key over 200 bytes")] {
                var session = F.session(ctx, "unused", expiresIn: 60)
                session.key = key
                try await expectError(.invalidArgument, "creating a session with \(what)") {
                    try await ctx.stores.sessions.createSession(session)
                }
            }
            let longest = String(ctx.key(String(repeating: "k", count: 200)).utf8.prefix(200))!
            var session = F.session(ctx, "unused", expiresIn: 60)
            session.key = longest
            try await ctx.stores.sessions.createSession(session)
            try expectEqual(try await ctx.stores.sessions.session(forKey: longest), session, "session with a 200-byte key")
        },

        ConformanceCase("sessions.create.invalid-fields") { ctx in
            let cases: [(String, IdentityStorageError.Code, (inout ServerSideSession) -> Void)] = [
                ("an empty subject", .invalidArgument, { $0.subjectId = "" }),
                ("a NUL byte in the subject", .invalidArgument, { $0.subjectId += "\u{0}" }),
                ("an empty scheme", .invalidArgument, { $0.scheme = "" }),
                ("a NUL byte in the session id", .invalidArgument, { $0.sessionId = "a\u{0}b" }),
                ("a NUL byte in the display name", .invalidArgument, { $0.displayName = "a\u{0}b" }),
                ("a NUL byte in the ticket", .invalidArgument, { $0.ticket = "a\u{0}b" }),
                ("a display name over 4000 bytes", .tooLarge, { $0.displayName = String(repeating: "d", count: 4001) }),
            ]
            for (index, (what, code, change)) in cases.enumerated() {
                var session = F.session(ctx, "s\(index)", sessionId: ctx.key("sid"), expiresIn: 60)
                change(&session)
                try await expectError(code, "creating a session with \(what)") {
                    try await ctx.stores.sessions.createSession(session)
                }
                try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "session after a rejected create (\(what))")
            }
        },

        ConformanceCase("sessions.create.ticket-too-large") { ctx in
            let session = F.session(ctx, "s1", expiresIn: 60, ticket: String(repeating: "t", count: IdentityStorageLimits.maxPayloadBytes + 1))
            try await expectError(.tooLarge, "creating a session with a ticket over 8 MiB") {
                try await ctx.stores.sessions.createSession(session)
            }
            try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "session after a rejected create")
        },

        ConformanceCase("sessions.update.rejected-keeps-original") { ctx in
            let original = F.session(ctx, "s1", displayName: "kept", expiresIn: 60, ticket: "kept")
            try await ctx.stores.sessions.createSession(original)
            var huge = original
            huge.ticket = String(repeating: "t", count: IdentityStorageLimits.maxPayloadBytes + 1)
            try await expectError(.tooLarge, "updating a session with a ticket over 8 MiB") {
                try await ctx.stores.sessions.updateSession(huge)
            }
            var nul = original
            nul.displayName = "bad\u{0}name"
            try await expectError(.invalidArgument, "updating a session with a NUL byte in the display name") {
                try await ctx.stores.sessions.updateSession(nul)
            }
            try expectEqual(try await ctx.stores.sessions.session(forKey: original.key), original, "session after rejected updates")
        },
    ]

    // MARK: get / delete by filter

    static let sessionFilterCases: [ConformanceCase] = [
        ConformanceCase("sessions.filter.by-subject") { ctx in
            let alice1 = F.session(ctx, "a1", subject: ctx.key("alice"), sessionId: ctx.key("sid-1"))
            let alice2 = F.session(ctx, "a2", subject: ctx.key("alice"), sessionId: ctx.key("sid-2"))
            let bob = F.session(ctx, "b1", subject: ctx.key("bob"), sessionId: ctx.key("sid-1"))
            for session in [alice1, alice2, bob] { try await ctx.stores.sessions.createSession(session) }
            let found = try await ctx.stores.sessions.sessions(matching: SessionFilter(subjectId: ctx.key("alice")))
            try expectEqual(found, [alice1, alice2], "sessions of alice (in key order)")
        },

        ConformanceCase("sessions.filter.by-session-id") { ctx in
            let alice1 = F.session(ctx, "a1", subject: ctx.key("alice"), sessionId: ctx.key("sid-1"))
            let alice2 = F.session(ctx, "a2", subject: ctx.key("alice"), sessionId: ctx.key("sid-2"))
            let bob = F.session(ctx, "b1", subject: ctx.key("bob"), sessionId: ctx.key("sid-1"))
            let none = F.session(ctx, "c1", subject: ctx.key("carol"), sessionId: nil)
            for session in [alice1, alice2, bob, none] { try await ctx.stores.sessions.createSession(session) }
            let found = try await ctx.stores.sessions.sessions(matching: SessionFilter(sessionId: ctx.key("sid-1")))
            try expectEqual(F.keys(found), F.keys([alice1, bob]), "sessions with session id sid-1")
        },

        ConformanceCase("sessions.filter.by-subject-and-session-id") { ctx in
            let alice1 = F.session(ctx, "a1", subject: ctx.key("alice"), sessionId: ctx.key("sid-1"))
            let alice2 = F.session(ctx, "a2", subject: ctx.key("alice"), sessionId: ctx.key("sid-2"))
            let bob = F.session(ctx, "b1", subject: ctx.key("bob"), sessionId: ctx.key("sid-1"))
            for session in [alice1, alice2, bob] { try await ctx.stores.sessions.createSession(session) }
            let found = try await ctx.stores.sessions.sessions(matching: SessionFilter(subjectId: ctx.key("alice"), sessionId: ctx.key("sid-1")))
            try expectEqual(found, [alice1], "sessions of alice with session id sid-1 (AND)")
            let none = try await ctx.stores.sessions.sessions(matching: SessionFilter(subjectId: ctx.key("bob"), sessionId: ctx.key("sid-2")))
            try expectEqual(F.keys(none), [], "bob with sid-2 (no such pair)")
        },

        ConformanceCase("sessions.filter.exact-case-sensitive") { ctx in
            let upper = F.session(ctx, "u1", subject: ctx.key("Alice"), sessionId: ctx.key("SID"))
            let lower = F.session(ctx, "l1", subject: ctx.key("alice"), sessionId: ctx.key("sid"))
            for session in [upper, lower] { try await ctx.stores.sessions.createSession(session) }
            let store = ctx.stores.sessions
            try expectEqual(F.keys(try await store.sessions(matching: SessionFilter(subjectId: ctx.key("alice")))), [lower.key], "subject 'alice'")
            try expectEqual(F.keys(try await store.sessions(matching: SessionFilter(subjectId: ctx.key("Alice")))), [upper.key], "subject 'Alice'")
            try expectEqual(F.keys(try await store.sessions(matching: SessionFilter(subjectId: ctx.key("alic")))), [], "subject prefix 'alic' (no substring match)")
            try expectEqual(F.keys(try await store.sessions(matching: SessionFilter(subjectId: ctx.key("alice ")))), [], "subject with a trailing space")
            try expectEqual(F.keys(try await store.sessions(matching: SessionFilter(sessionId: ctx.key("sid")))), [lower.key], "session id 'sid'")
            try expectEqual(F.keys(try await store.sessions(matching: SessionFilter(sessionId: ctx.key("si")))), [], "session id prefix 'si'")
        },

        ConformanceCase("sessions.filter.key-order") { ctx in
            let names = ["b", "é", "A", "zz", "a", "B"]
            for name in names { try await ctx.stores.sessions.createSession(F.session(ctx, name)) }
            let found = try await ctx.stores.sessions.sessions(matching: SessionFilter(subjectId: ctx.key("sub")))
            try expectEqual(F.keys(found), ["A", "B", "a", "b", "zz", "é"].map(ctx.key), "sessions in byte order of key")
        },

        ConformanceCase("sessions.filter.blank") { ctx in
            let session = F.session(ctx, "s1", sessionId: ctx.key("sid"))
            try await ctx.stores.sessions.createSession(session)
            for (filter, what) in [(SessionFilter(), "an empty filter"), (SessionFilter(subjectId: "", sessionId: ""), "empty strings"),
                                   (SessionFilter(subjectId: "  ", sessionId: "\t"), "whitespace only")] {
                try await expectError(.invalidArgument, "sessions(matching:) with \(what)") {
                    try await ctx.stores.sessions.sessions(matching: filter)
                }
                try await expectError(.invalidArgument, "deleteSessions(matching:) with \(what)") {
                    try await ctx.stores.sessions.deleteSessions(matching: filter)
                }
            }
            try expectEqual(try await ctx.stores.sessions.session(forKey: session.key), session, "session after rejected blank-filter deletes")
        },

        ConformanceCase("sessions.delete-matching.count") { ctx in
            let alice1 = F.session(ctx, "a1", subject: ctx.key("alice"), sessionId: ctx.key("sid-1"))
            let alice2 = F.session(ctx, "a2", subject: ctx.key("alice"), sessionId: ctx.key("sid-2"))
            let alice3 = F.session(ctx, "a3", subject: ctx.key("alice"), sessionId: ctx.key("sid-1"))
            let bob = F.session(ctx, "b1", subject: ctx.key("bob"), sessionId: ctx.key("sid-1"))
            for session in [alice1, alice2, alice3, bob] { try await ctx.stores.sessions.createSession(session) }
            let store = ctx.stores.sessions
            let removed = try await store.deleteSessions(matching: SessionFilter(subjectId: ctx.key("alice"), sessionId: ctx.key("sid-1")))
            try expectEqual(removed, 2, "sessions deleted for alice + sid-1")
            try expectNil(try await store.session(forKey: alice1.key), "alice1 after delete")
            try expectNil(try await store.session(forKey: alice3.key), "alice3 after delete")
            try expectEqual(try await store.session(forKey: alice2.key), alice2, "alice2 (other session id) after delete")
            try expectEqual(try await store.session(forKey: bob.key), bob, "bob (other subject) after delete")
            try expectEqual(try await store.deleteSessions(matching: SessionFilter(subjectId: ctx.key("alice"), sessionId: ctx.key("sid-1"))), 0,
                            "deleting the same filter again")
            try expectEqual(try await store.deleteSessions(matching: SessionFilter(subjectId: ctx.key("bob"))), 1, "sessions deleted for bob")
            try expectEqual(try await store.sessions(matching: SessionFilter(subjectId: ctx.key("alice"))), [alice2], "alice's remaining sessions")
        },
    ]

    // MARK: claim expired sessions

    static let sessionClaimCases: [ConformanceCase] = [
        ConformanceCase("sessions.claim-expired.only-expired") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainSessions(ctx)
            let expired = [F.session(ctx, "e1", expiresIn: -30), F.session(ctx, "e2", expiresIn: -1)]
            let forever = F.session(ctx, "n1", expiresIn: nil)
            let future = F.session(ctx, "f1", expiresIn: 30)
            let atNow = F.session(ctx, "z1", expiresIn: 0)
            for session in expired + [forever, future] { try await ctx.stores.sessions.createSession(session) }
            if ctx.hasInjectableClock { try await ctx.stores.sessions.createSession(atNow) }
            var claimed: [ServerSideSession] = []
            while true {
                let batch = try await ctx.stores.sessions.claimExpiredSessions(limit: 100)
                if batch.isEmpty { break }
                claimed += batch
            }
            let mine = claimed.filter { $0.key.hasPrefix(ctx.namespace) }
            try expectEqual(mine, expired, "sessions claimed (only expires < now, oldest first)")
            for session in expired {
                try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "claimed session \(session.key) is deleted")
            }
            try expectEqual(try await ctx.stores.sessions.session(forKey: forever.key), forever, "session without expiry")
            try expectEqual(try await ctx.stores.sessions.session(forKey: future.key), future, "session expiring in the future")
            if ctx.hasInjectableClock {
                try expectEqual(try await ctx.stores.sessions.session(forKey: atNow.key), atNow, "session expiring exactly now (not before now)")
            }
        },

        ConformanceCase("sessions.claim-expired.limit-and-order") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainSessions(ctx)
            // Created in scrambled order; expiry order is e1 (oldest) ... e7.
            let offsets: [Int] = [5, 2, 7, 1, 4, 6, 3]
            var all: [ServerSideSession] = []
            for offset in offsets {
                let session = F.session(ctx, "e\(offset)", expiresIn: -Double(100 - offset))
                all.append(session)
                try await ctx.stores.sessions.createSession(session)
            }
            let byExpiry = all.sorted { $0.expires! < $1.expires! }
            let first = try await ctx.stores.sessions.claimExpiredSessions(limit: 3)
            try expectEqual(F.keys(first), F.keys(Array(byExpiry.prefix(3))), "first claim of 3: the three oldest expiries")
            let second = try await ctx.stores.sessions.claimExpiredSessions(limit: 3)
            try expectEqual(F.keys(second), F.keys(Array(byExpiry[3..<6])), "second claim of 3")
            let third = try await ctx.stores.sessions.claimExpiredSessions(limit: 3)
            try expectEqual(F.keys(third), F.keys(Array(byExpiry[6...])), "third claim (only one left)")
            try expectEqual(third, Array(byExpiry[6...]), "claimed session returned whole")
            try expectEqual(F.keys(try await ctx.stores.sessions.claimExpiredSessions(limit: 3)), [], "claim when none is left")
            for session in all {
                try expectNil(try await ctx.stores.sessions.session(forKey: session.key), "claimed session \(session.key)")
            }
        },

        ConformanceCase("sessions.claim-expired.race") { ctx in
            ctx.useIsolatedEpoch()
            try await F.drainSessions(ctx)
            for round in 0..<3 {
                var expected = Set<String>()
                for index in 0..<60 {
                    let session = F.session(ctx, "r\(round)-\(index)", expiresIn: -Double(index + 1))
                    try await ctx.stores.sessions.createSession(session)
                    expected.insert(session.key)
                }
                let perClaimer = try await race(4) { _ in
                    var claimed: [String] = []
                    while true {
                        let batch = try await ctx.stores.sessions.claimExpiredSessions(limit: 5)
                        try expect(batch.count <= 5, "claimExpiredSessions(limit: 5) returned \(batch.count) sessions")
                        if batch.isEmpty { return claimed }
                        claimed += batch.map(\.key)
                    }
                }
                let all = perClaimer.flatMap { $0 }
                try expectEqual(F.duplicates(all), [], "round \(round): sessions received by two claimers")
                let mine = Set(all.filter { $0.hasPrefix(ctx.namespace) })
                try expectEqual(mine.count, expected.count, "round \(round): sessions claimed in all")
                try expect(mine == expected, "round \(round): claimed sessions differ from the expired ones: missing \(expected.subtracting(mine).sorted())")
            }
        },
    ]

    // MARK: paged query (§1.6)

    static let sessionQueryCases: [ConformanceCase] = [
        ConformanceCase("sessions.query.forward-walk") { ctx in
            let rows = try await createPagingRows(ctx, count: 23)
            var token: String? = nil
            var visited: [String] = []
            for page in 1...5 {
                let result = try await queryPage(ctx, token: token, size: 5)
                let expected = Array(rows[((page - 1) * 5)..<min(page * 5, 23)])
                try expectEqual(F.keys(result.results), expected, "page \(page) rows")
                try expectEqual(result.currentPage, page, "page \(page) currentPage")
                try expectEqual(result.totalPages, 5, "page \(page) totalPages")
                try expectEqual(result.totalCount, 23, "page \(page) totalCount")
                try expectEqual(result.hasPrevResults, page > 1, "page \(page) hasPrevResults")
                try expectEqual(result.hasNextResults, page < 5, "page \(page) hasNextResults")
                token = try expectValue(result.resultsToken, "page \(page) resultsToken")
                visited += F.keys(result.results)
            }
            try expectEqual(visited, rows, "every row visited once, in key order")
        },

        ConformanceCase("sessions.query.past-last-page") { ctx in
            _ = try await createPagingRows(ctx, count: 7)
            let first = try await queryPage(ctx, token: nil, size: 5)
            let second = try await queryPage(ctx, token: first.resultsToken, size: 5)
            try expectEqual(second.results.count, 2, "second page rows")
            try expectEqual(second.hasNextResults, false, "second page hasNextResults")
            let beyond = try await queryPage(ctx, token: second.resultsToken, size: 5)
            try expectEqual(F.keys(beyond.results), [], "rows after the last page")
            try expectNil(beyond.resultsToken, "token of an empty page")
            try expectEqual(beyond.hasNextResults, false, "hasNextResults of an empty page")
            try expectEqual(beyond.hasPrevResults, false, "hasPrevResults of an empty page")
        },

        ConformanceCase("sessions.query.backward-walk") { ctx in
            let rows = try await createPagingRows(ctx, count: 23)
            var result = try await queryPage(ctx, token: nil, size: 5)
            while result.hasNextResults {
                result = try await queryPage(ctx, token: result.resultsToken, size: 5)
            }
            try expectEqual(F.keys(result.results), Array(rows[20...]), "last page rows")
            try expectEqual(result.currentPage, 5, "last page currentPage")
            var visited = F.keys(result.results)
            for page in stride(from: 4, through: 1, by: -1) {
                result = try await queryPage(ctx, token: result.resultsToken, prior: true, size: 5)
                let expected = Array(rows[((page - 1) * 5)..<(page * 5)])
                try expectEqual(F.keys(result.results), expected, "page \(page) rows (walking back)")
                try expectEqual(result.currentPage, page, "page \(page) currentPage (walking back)")
                try expectEqual(result.totalPages, 5, "page \(page) totalPages (walking back)")
                try expectEqual(result.totalCount, 23, "page \(page) totalCount (walking back)")
                try expectEqual(result.hasPrevResults, page > 1, "page \(page) hasPrevResults (walking back)")
                try expectEqual(result.hasNextResults, true, "page \(page) hasNextResults (walking back)")
                visited = F.keys(result.results) + visited
            }
            try expectEqual(visited, rows, "every row visited once walking back")
        },

        ConformanceCase("sessions.query.deletion-during-walk") { ctx in
            let rows = try await createPagingRows(ctx, count: 23)
            var visited: [String] = []
            var result = try await queryPage(ctx, token: nil, size: 5)
            visited += F.keys(result.results)
            result = try await queryPage(ctx, token: result.resultsToken, size: 5)
            visited += F.keys(result.results)
            try expectEqual(visited, Array(rows[0..<10]), "first two pages")
            // Delete two rows on a visited page and two on future pages.
            let deletedVisited = [rows[1], rows[3]], deletedFuture = [rows[17], rows[21]]
            for key in deletedVisited + deletedFuture {
                try expectEqual(try await ctx.stores.sessions.deleteSession(forKey: key), true, "delete \(key)")
            }
            var pages = 2
            while result.hasNextResults {
                result = try await queryPage(ctx, token: result.resultsToken, size: 5)
                try expectEqual(result.totalCount, 19, "totalCount after deleting 4 rows")
                visited += F.keys(result.results)
                pages += 1
                try expect(pages < 10, "walk does not end")
            }
            try expectEqual(F.duplicates(visited), [], "rows visited twice")
            let survivors = rows.filter { !deletedFuture.contains($0) }
            try expectEqual(visited, survivors, "rows visited (every surviving row once, in key order)")
        },

        ConformanceCase("sessions.query.prior-after-deletion-restarts") { ctx in
            let rows = try await createPagingRows(ctx, count: 23)
            let first = try await queryPage(ctx, token: nil, size: 5)
            let second = try await queryPage(ctx, token: first.resultsToken, size: 5)
            try expectEqual(F.keys(second.results), Array(rows[5..<10]), "second page")
            for key in [rows[1], rows[2]] { try await ctx.stores.sessions.deleteSession(forKey: key) }
            // Page 1 now holds fewer rows than the page size: upstream restarts from the beginning.
            let back = try await queryPage(ctx, token: second.resultsToken, prior: true, size: 5)
            try expectEqual(F.keys(back.results), [rows[0], rows[3], rows[4], rows[5], rows[6]], "prior page after deletions (restarted first page)")
            try expectEqual(back.currentPage, 1, "currentPage")
            try expectEqual(back.hasPrevResults, false, "hasPrevResults")
            try expectEqual(back.hasNextResults, true, "hasNextResults")
            try expectEqual(back.totalCount, 21, "totalCount")
        },

        ConformanceCase("sessions.query.default-page-size") { ctx in
            let rows = try await createPagingRows(ctx, count: 27)
            for requested in [0, -1, -25] {
                let result = try await queryPage(ctx, token: nil, size: requested)
                try expectEqual(F.keys(result.results), Array(rows[0..<25]), "first page with countRequested \(requested)")
                try expectEqual(result.totalPages, 2, "totalPages with countRequested \(requested)")
                try expectEqual(result.hasNextResults, true, "hasNextResults with countRequested \(requested)")
                let next = try await queryPage(ctx, token: result.resultsToken, size: requested)
                try expectEqual(F.keys(next.results), Array(rows[25...]), "second page with countRequested \(requested)")
                try expectEqual(next.currentPage, 2, "second page currentPage with countRequested \(requested)")
            }
        },

        ConformanceCase("sessions.query.bad-token-first-page") { ctx in
            let rows = try await createPagingRows(ctx, count: 8)
            let notJSON = Data("not json".utf8).base64EncodedString()
            let threeKeys = Data(#"["a","b","c"]"#.utf8).base64EncodedString()
            for token in ["garbage", "", "!!!", "%%%===", notJSON, threeKeys, String(repeating: "A", count: 500)] {
                for prior in [false, true] {
                    let result = try await queryPage(ctx, token: token, prior: prior, size: 5)
                    try expectEqual(F.keys(result.results), Array(rows[0..<5]), "rows for token '\(token.prefix(20))' (prior: \(prior))")
                    try expectEqual(result.currentPage, 1, "currentPage for token '\(token.prefix(20))' (prior: \(prior))")
                    try expectEqual(result.hasPrevResults, false, "hasPrevResults for token '\(token.prefix(20))' (prior: \(prior))")
                    try expectEqual(result.hasNextResults, true, "hasNextResults for token '\(token.prefix(20))' (prior: \(prior))")
                }
            }
        },

        ConformanceCase("sessions.query.empty-result") { ctx in
            _ = try await createPagingRows(ctx, count: 3)
            let result = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 5, subjectId: ctx.key("nobody")))
            let expected = QueryResult<ServerSideSession>(resultsToken: nil, hasPrevResults: false, hasNextResults: false,
                                                          totalCount: 0, totalPages: 0, currentPage: 0, results: [])
            try expectEqual(result, expected, "empty query result")
        },

        ConformanceCase("sessions.query.single-page") { ctx in
            let rows = try await createPagingRows(ctx, count: 3)
            let result = try await queryPage(ctx, token: nil, size: 5)
            try expectEqual(F.keys(result.results), rows, "rows")
            try expectEqual(result.totalCount, 3, "totalCount")
            try expectEqual(result.totalPages, 1, "totalPages")
            try expectEqual(result.currentPage, 1, "currentPage")
            try expectEqual(result.hasPrevResults, false, "hasPrevResults")
            try expectEqual(result.hasNextResults, false, "hasNextResults")
            try expect(result.resultsToken != nil, "a non-empty page has a token")
        },

        ConformanceCase("sessions.query.filter-subject-substring") { ctx in
            let a1 = F.session(ctx, "k1", subject: ctx.key("alice-1"))
            let a2 = F.session(ctx, "k2", subject: ctx.key("alice-2"))
            let b = F.session(ctx, "k3", subject: ctx.key("bob"))
            let upper = F.session(ctx, "k4", subject: ctx.key("ALICE-3"))
            for session in [a1, a2, b, upper] { try await ctx.stores.sessions.createSession(session) }
            let found = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, subjectId: ctx.key("alice")))
            try expectEqual(found.results, [a1, a2], "sessions whose subject contains 'alice' (case-sensitive)")
            try expectEqual(found.totalCount, 2, "totalCount")
            let middle = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, subjectId: "\(ctx.namespace.dropFirst())alice-"))
            try expectEqual(F.keys(middle.results), F.keys([a1, a2]), "substring from the middle of the subject")
        },

        ConformanceCase("sessions.query.filter-session-id-substring") { ctx in
            let s1 = F.session(ctx, "k1", sessionId: ctx.key("sid-abc-1"))
            let s2 = F.session(ctx, "k2", sessionId: ctx.key("sid-abc-2"))
            let s3 = F.session(ctx, "k3", sessionId: ctx.key("sid-xyz"))
            let s4 = F.session(ctx, "k4", sessionId: nil)
            let s5 = F.session(ctx, "k5", sessionId: ctx.key("sid-ABC-5"))
            for session in [s1, s2, s3, s4, s5] { try await ctx.stores.sessions.createSession(session) }
            let found = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, sessionId: ctx.key("sid-abc")))
            try expectEqual(F.keys(found.results), F.keys([s1, s2]), "sessions whose session id contains 'sid-abc'")
            let both = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, subjectId: ctx.key("sub"), sessionId: "abc-2"))
            try expectEqual(F.keys(both.results), F.keys([s2]), "subject and session id filters together (AND)")
        },

        ConformanceCase("sessions.query.filter-display-name-substring") { ctx in
            let named1 = F.session(ctx, "k1", displayName: "Alice Example")
            let named2 = F.session(ctx, "k2", displayName: "Bob Example")
            let unnamed = F.session(ctx, "k3", displayName: nil)
            let empty = F.session(ctx, "k4", displayName: "")
            for session in [named1, named2, unnamed, empty] { try await ctx.stores.sessions.createSession(session) }
            let example = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, subjectId: ctx.key("sub"), displayName: "Example"))
            try expectEqual(F.keys(example.results), F.keys([named1, named2]), "display names containing 'Example'")
            let lower = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, subjectId: ctx.key("sub"), displayName: "example"))
            try expectEqual(F.keys(lower.results), [], "display name filter is case-sensitive")
            let single = try await ctx.stores.sessions.querySessions(SessionQuery(countRequested: 10, subjectId: ctx.key("sub"), displayName: "x"))
            try expectEqual(F.keys(single.results), F.keys([named1, named2]), "a session without a display name never matches")
            try expectEqual(single.totalCount, 2, "totalCount with a display name filter")
        },
    ]

    /// Creates `count` sessions with keys `p00`…, subject `ctx.key("sub")`, in scrambled order; returns their keys in key order.
    fileprivate static func createPagingRows(_ ctx: ConformanceContext, count: Int) async throws -> [String] {
        let names = (0..<count).map { index in index < 10 ? "p0\(index)" : "p\(index)" }
        // Insert in an order unrelated to the keys, so insertion order cannot pass for key order.
        let order = Array(stride(from: 0, to: count, by: 2)) + Array(stride(from: 1, to: count, by: 2)).reversed()
        for index in order {
            try await ctx.stores.sessions.createSession(F.session(ctx, names[index], sessionId: ctx.key("sid-\(index)"),
                                                                  displayName: "Row \(index)", expiresIn: 3600))
        }
        return names.map(ctx.key)
    }

    /// One page of this case's sessions (subject `ctx.key("sub")`).
    fileprivate static func queryPage(_ ctx: ConformanceContext, token: String?, prior: Bool = false, size: Int) async throws -> QueryResult<ServerSideSession> {
        try await ctx.stores.sessions.querySessions(SessionQuery(resultsToken: token, requestPriorResults: prior, countRequested: size,
                                                                 subjectId: ctx.key("sub")))
    }
}
