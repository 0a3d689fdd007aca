import Foundation
import IdentityStorage

// CIBA (backchannel authentication) requests: create under a hashed public id, get, logins, update, remove, take.

extension ConformanceSuite {
    static let cibaCases: [ConformanceCase] = [
        ConformanceCase("ciba.create.returns-hashed-public-id") { ctx in
            let store = ctx.stores.backchannelRequests
            let request = OpsKit.ciba(ctx)
            let publicId = try await store.createBackchannelRequest(request)
            let hexDigits = Set("0123456789abcdefABCDEF".utf8)
            try expect(publicId.utf8.count == 64 && publicId.utf8.allSatisfy { hexDigits.contains($0) },
                       "public id is 64 hex characters (got '\(publicId)')")
            let internalId = OpsKit.internalId(store, publicId)
            try expect(!OpsKit.sameBytes(internalId, publicId), "the internal id is a hash, not the public id")
            var expected = request
            expected.internalId = internalId
            try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: internalId), expected,
                                  "request stored under the hash of its public id")
            try expectNil(try await store.backchannelRequest(forInternalId: publicId), "request under its public id used as internal id")
            let second = try await store.createBackchannelRequest(request)
            try expect(!OpsKit.sameBytes(second, publicId), "two creates return different public ids")
        },

        ConformanceCase("ciba.create.ignores-passed-internal-id") { ctx in
            let store = ctx.stores.backchannelRequests
            let request = OpsKit.ciba(ctx, "chosen")
            let publicId = try await store.createBackchannelRequest(request)
            try expectNil(try await store.backchannelRequest(forInternalId: request.internalId), "request under the internal id passed to create")
            let stored = try expectValue(try await store.backchannelRequest(forAuthenticationRequestId: publicId), "request by public id")
            try expectEqual(stored.internalId, OpsKit.internalId(store, publicId), "internal id set by create")
        },

        ConformanceCase("ciba.get.by-public-id") { ctx in
            let store = ctx.stores.backchannelRequests
            let request = OpsKit.ciba(ctx)
            let publicId = try await store.createBackchannelRequest(request)
            var expected = request
            expected.internalId = OpsKit.internalId(store, publicId)
            try OpsKit.expectSame(try await store.backchannelRequest(forAuthenticationRequestId: publicId), expected, "request by public id")
            try expectNil(try await store.backchannelRequest(forAuthenticationRequestId: publicId.lowercased() == publicId ? publicId.uppercased() : publicId.lowercased()),
                          "request by the public id in other letter case")
        },

        ConformanceCase("ciba.get.by-internal-id") { ctx in
            let store = ctx.stores.backchannelRequests
            let request = OpsKit.ciba(ctx, "a")
            try await store.storeBackchannelRequest(request)
            try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: request.internalId), request, "request by internal id")
        },

        ConformanceCase("ciba.get.missing-returns-nil") { ctx in
            let store = ctx.stores.backchannelRequests
            try expectNil(try await store.backchannelRequest(forInternalId: ctx.key("missing")), "request of an unknown internal id")
            try expectNil(try await store.backchannelRequest(forAuthenticationRequestId: RandomHandle.make()), "request of an unknown public id")
        },

        ConformanceCase("ciba.store.round-trip-all-fields") { ctx in
            let whole = ctx.now.microsecondsSince1970 / 1_000_000 * 1_000_000
            let request = BackchannelAuthenticationRequest(
                internalId: ctx.key("full"), creationTime: Date(microsecondsSince1970: whole + 123_456), lifetime: 300,
                clientId: ctx.key("client-漢字"), subjectId: ctx.key("sub-\(OpsKit.nfd)"),
                requestedScopes: ["openid", "profile", "api:read 🔐"], requestedResourceIndicators: ["https://api.example.com/", "urn:x"],
                authenticationContextReferenceClasses: ["urn:mace:incommon:iap:silver", "mfa"], tenant: "tenant-עברית", idP: "local",
                bindingMessage: "Code 4 2 7 — \(OpsKit.unicodeSample)", isComplete: true, authorizedScopes: ["openid"],
                sessionId: ctx.key("sid"), description: "desc",
                properties: ["n": "42", "json": "{\"a\":[1,2]}", "empty": "", "ü-key": "漢字 \(OpsKit.nfc)"])
            try await ctx.stores.backchannelRequests.storeBackchannelRequest(request)
            try OpsKit.expectSame(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: request.internalId), request,
                                  "request with every field set")
        },

        ConformanceCase("ciba.store.nil-vs-empty-collections") { ctx in
            var nils = OpsKit.ciba(ctx, "nils")
            nils.requestedScopes = []
            var empties = OpsKit.ciba(ctx, "empties")
            empties.requestedScopes = []
            empties.requestedResourceIndicators = []
            empties.authenticationContextReferenceClasses = []
            empties.authorizedScopes = []
            empties.tenant = ""; empties.idP = ""; empties.bindingMessage = ""; empties.description = ""
            try await ctx.stores.backchannelRequests.storeBackchannelRequest(nils)
            try await ctx.stores.backchannelRequests.storeBackchannelRequest(empties)
            try OpsKit.expectSame(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: nils.internalId), nils,
                                  "request with nil optional lists and strings")
            try OpsKit.expectSame(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: empties.internalId), empties,
                                  "request with empty (non-nil) lists and strings")
        },

        ConformanceCase("ciba.store.duplicate") { ctx in
            let original = OpsKit.ciba(ctx, "dup")
            try await ctx.stores.backchannelRequests.storeBackchannelRequest(original)
            var again = original
            again.isComplete = true
            again.subjectId = ctx.key("other")
            try await expectError(.duplicate, "storeBackchannelRequest with an existing internal id") {
                try await ctx.stores.backchannelRequests.storeBackchannelRequest(again)
            }
            try OpsKit.expectSame(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: original.internalId), original,
                                  "original request after the duplicate store")
            let logins = try await ctx.stores.backchannelRequests.backchannelLogins(forSubject: ctx.key("other"), clientId: nil)
            try expectEqual(logins.map(\.internalId), [], "logins of the rejected duplicate's subject")
        },

        ConformanceCase("ciba.internal-id.byte-exact") { ctx in
            let store = ctx.stores.backchannelRequests
            let upper = OpsKit.ciba(ctx, "ID-\(OpsKit.nfc)")
            try await store.storeBackchannelRequest(upper)
            for (label, id) in [("other case", ctx.key("ciba.id-\(OpsKit.nfc)")), ("NFD", ctx.key("ciba.ID-\(OpsKit.nfd)")),
                                ("trailing space", upper.internalId + " ")] {
                try expectNil(try await store.backchannelRequest(forInternalId: id), "request by an internal id differing in \(label)")
                try expect(!(try await store.removeBackchannelRequest(forInternalId: id)), "remove by an internal id differing in \(label)")
                var twin = upper
                twin.internalId = id
                twin.description = label
                try await store.storeBackchannelRequest(twin) // distinct id, not a duplicate
                try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: id), twin, "request under the id differing in \(label)")
            }
            try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: upper.internalId), upper, "original request")
        },

        ConformanceCase("ciba.logins.for-subject") { ctx in
            let store = ctx.stores.backchannelRequests
            let sub = ctx.key("alice")
            let pending = OpsKit.ciba(ctx, "pending", subjectId: sub)
            let complete = OpsKit.ciba(ctx, "complete", subjectId: sub, clientId: ctx.key("client2"), isComplete: true)
            let expired = OpsKit.ciba(ctx, "expired", subjectId: sub, createdAgo: 3600, lifetime: 300)
            let otherSubject = OpsKit.ciba(ctx, "bob", subjectId: ctx.key("bob"))
            let otherCase = OpsKit.ciba(ctx, "ALICE", subjectId: ctx.key("ALICE"))
            for request in [pending, complete, expired, otherSubject, otherCase] { try await store.storeBackchannelRequest(request) }
            let logins = try await store.backchannelLogins(forSubject: sub, clientId: nil)
            try expectEqual(Set(logins.map(\.internalId)), [pending.internalId, complete.internalId, expired.internalId],
                            "logins of the subject (pending, complete and expired; other subjects excluded)")
            try expectEqual(logins.count, 3, "login count of the subject")
            for request in [pending, complete, expired] {
                try OpsKit.expectSame(logins.first { $0.internalId == request.internalId }, request, "login \(request.internalId)")
            }
        },

        ConformanceCase("ciba.logins.client-filter") { ctx in
            let store = ctx.stores.backchannelRequests
            let sub = ctx.key("alice")
            let c1 = ctx.key("c1"), c2 = ctx.key("c2")
            let a = OpsKit.ciba(ctx, "a", subjectId: sub, clientId: c1)
            let b = OpsKit.ciba(ctx, "b", subjectId: sub, clientId: c1, isComplete: true)
            let c = OpsKit.ciba(ctx, "c", subjectId: sub, clientId: c2)
            let d = OpsKit.ciba(ctx, "d", subjectId: ctx.key("bob"), clientId: c1)
            for request in [a, b, c, d] { try await store.storeBackchannelRequest(request) }
            let forC1 = try await store.backchannelLogins(forSubject: sub, clientId: c1)
            try expectEqual(Set(forC1.map(\.internalId)), [a.internalId, b.internalId], "logins of the subject at client c1")
            let forC2 = try await store.backchannelLogins(forSubject: sub, clientId: c2)
            try expectEqual(forC2.map(\.internalId), [c.internalId], "logins of the subject at client c2")
            let forUnknown = try await store.backchannelLogins(forSubject: sub, clientId: ctx.key("c3"))
            try expectEqual(forUnknown.map(\.internalId), [], "logins of the subject at an unknown client")
            let forOtherCase = try await store.backchannelLogins(forSubject: sub, clientId: ctx.key("C1"))
            try expectEqual(forOtherCase.map(\.internalId), [], "logins at a client id differing in case")
        },

        ConformanceCase("ciba.logins.unknown-subject-empty") { ctx in
            let logins = try await ctx.stores.backchannelRequests.backchannelLogins(forSubject: ctx.key("nobody"), clientId: nil)
            try expectEqual(logins.map(\.internalId), [], "logins of an unknown subject")
        },

        ConformanceCase("ciba.logins.follow-updates-and-removes") { ctx in
            let store = ctx.stores.backchannelRequests
            let alice = ctx.key("alice"), bob = ctx.key("bob")
            let a = OpsKit.ciba(ctx, "a", subjectId: alice)
            let b = OpsKit.ciba(ctx, "b", subjectId: alice)
            try await store.storeBackchannelRequest(a)
            try await store.storeBackchannelRequest(b)
            var moved = a
            moved.subjectId = bob
            try expect(try await store.updateBackchannelRequest(forInternalId: a.internalId, with: moved), "update")
            try expect(try await store.removeBackchannelRequest(forInternalId: b.internalId), "remove")
            try expectEqual(try await store.backchannelLogins(forSubject: alice, clientId: nil).map(\.internalId), [],
                            "logins of the old subject after update and remove")
            try expectEqual(try await store.backchannelLogins(forSubject: bob, clientId: nil).map(\.internalId), [a.internalId],
                            "logins of the new subject after the update")
        },

        ConformanceCase("ciba.update.replaces-fields-keeps-internal-id") { ctx in
            let store = ctx.stores.backchannelRequests
            let original = OpsKit.ciba(ctx, "a", isComplete: false)
            try await store.storeBackchannelRequest(original)
            var update = original
            update.internalId = ctx.key("ciba.elsewhere")
            update.isComplete = true
            update.authorizedScopes = ["openid"]
            update.sessionId = ctx.key("sid")
            update.description = "approved on phone"
            update.properties = ["k": "v"]
            update.lifetime = 600
            update.bindingMessage = nil
            try expect(try await store.updateBackchannelRequest(forInternalId: original.internalId, with: update), "update returns true")
            var expected = update
            expected.internalId = original.internalId
            try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: original.internalId), expected,
                                  "request after the update (fields replaced, internal id kept)")
            try expectNil(try await store.backchannelRequest(forInternalId: update.internalId), "request under the internal id of the passed record")
        },

        ConformanceCase("ciba.update.missing-returns-false") { ctx in
            let request = OpsKit.ciba(ctx, "ghost")
            let updated = try await ctx.stores.backchannelRequests.updateBackchannelRequest(forInternalId: request.internalId, with: request)
            try expect(!updated, "update of an unknown internal id returns false")
            try expectNil(try await ctx.stores.backchannelRequests.backchannelRequest(forInternalId: request.internalId),
                          "update of a missing request creates nothing")
        },

        ConformanceCase("ciba.update.bad-input-rejected") { ctx in
            let store = ctx.stores.backchannelRequests
            let original = OpsKit.ciba(ctx, "a")
            try await store.storeBackchannelRequest(original)
            var bad: [(String, IdentityStorageError.Code, BackchannelAuthenticationRequest)] = []
            var r = original; r.bindingMessage = "x\u{0}"; bad.append(("NUL in bindingMessage", .invalidArgument, r))
            r = original; r.subjectId = ""; bad.append(("empty subjectId", .invalidArgument, r))
            r = original; r.lifetime = -1; bad.append(("negative lifetime", .invalidArgument, r))
            r = original; r.description = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes + 1); bad.append(("4001-byte description", .tooLarge, r))
            for (label, code, update) in bad {
                try await expectError(code, "updateBackchannelRequest with \(label)") {
                    try await store.updateBackchannelRequest(forInternalId: original.internalId, with: update)
                }
                try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: original.internalId), original,
                                      "request after a rejected update with \(label)")
            }
        },

        ConformanceCase("ciba.remove.existing-returns-true") { ctx in
            let store = ctx.stores.backchannelRequests
            let request = OpsKit.ciba(ctx)
            let publicId = try await store.createBackchannelRequest(request)
            let other = OpsKit.ciba(ctx, "other")
            try await store.storeBackchannelRequest(other)
            let internalId = OpsKit.internalId(store, publicId)
            try expect(try await store.removeBackchannelRequest(forInternalId: internalId), "remove returns true")
            try expectNil(try await store.backchannelRequest(forAuthenticationRequestId: publicId), "removed request by public id")
            try expectNil(try await store.backchannelRequest(forInternalId: internalId), "removed request by internal id")
            try expect(!(try await store.removeBackchannelRequest(forInternalId: internalId)), "second remove returns false")
            try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: other.internalId), other, "other request after a remove")
        },

        ConformanceCase("ciba.remove.missing-returns-false") { ctx in
            let removed = try await ctx.stores.backchannelRequests.removeBackchannelRequest(forInternalId: ctx.key("missing"))
            try expect(!removed, "remove of an unknown internal id returns false")
        },

        ConformanceCase("ciba.take.once") { ctx in
            let store = ctx.stores.backchannelRequests
            let request = OpsKit.ciba(ctx, "a", isComplete: true)
            try await store.storeBackchannelRequest(request)
            try OpsKit.expectSame(try await store.takeBackchannelRequest(forInternalId: request.internalId), request, "first take")
            try expectNil(try await store.backchannelRequest(forInternalId: request.internalId), "request after take")
            try expectNil(try await store.takeBackchannelRequest(forInternalId: request.internalId), "second take")
            try expectNil(try await store.takeBackchannelRequest(forInternalId: ctx.key("missing")), "take of an unknown internal id")
            try expectEqual(try await store.backchannelLogins(forSubject: request.subjectId, clientId: nil).map(\.internalId), [],
                            "logins after take")
        },

        ConformanceCase("ciba.take.race") { ctx in
            let store = ctx.stores.backchannelRequests
            for round in 0..<OpsKit.raceRounds {
                let requests = (0..<OpsKit.raceKeys).map { OpsKit.ciba(ctx, "r\(round).k\($0)", isComplete: true) }
                for request in requests { try await store.storeBackchannelRequest(request) }
                let ids = requests.map(\.internalId)
                let results = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.takeBackchannelRequest(forInternalId: ids[i % OpsKit.raceKeys])
                }
                for (k, request) in requests.enumerated() {
                    let winners = results.indices.filter { $0 % OpsKit.raceKeys == k }.compactMap { results[$0] }
                    try expectEqual(winners.count, 1, "round \(round): takers of request \(k) that got it")
                    try OpsKit.expectSame(winners.first, request, "round \(round): request taken for key \(k)")
                    try expectNil(try await store.backchannelRequest(forInternalId: request.internalId), "round \(round): request \(k) after the race")
                }
            }
        },

        ConformanceCase("ciba.store.bad-input-rejected") { ctx in
            let store = ctx.stores.backchannelRequests
            let original = OpsKit.ciba(ctx, "orig")
            try await store.storeBackchannelRequest(original)
            var bad: [(String, IdentityStorageError.Code, BackchannelAuthenticationRequest)] = []
            var r = OpsKit.ciba(ctx, "b1"); r.internalId = ""; bad.append(("empty internalId", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b2"); r.internalId = OpsKit.key(ctx, "long", bytes: 201); bad.append(("201-byte internalId", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b3"); r.internalId = ctx.key("id\u{0}"); bad.append(("NUL in internalId", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b4"); r.subjectId = ctx.key("s\u{0}"); bad.append(("NUL in subjectId", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b5"); r.clientId = ""; bad.append(("empty clientId", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b6"); r.requestedScopes = ["openid", "a\u{0}"]; bad.append(("NUL in a requested scope", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b7"); r.properties = ["k": "v\u{0}"]; bad.append(("NUL in a property value", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b8"); r.lifetime = -5; bad.append(("negative lifetime", .invalidArgument, r))
            r = OpsKit.ciba(ctx, "b9"); r.bindingMessage = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
            bad.append(("4001-byte bindingMessage", .tooLarge, r))
            r = OpsKit.ciba(ctx, "b10"); r.properties = ["big": OpsKit.text(bytes: IdentityStorageLimits.maxPayloadBytes + 1)]
            bad.append(("property value over 8 MiB", .tooLarge, r))
            for (label, code, request) in bad {
                try await expectError(code, "storeBackchannelRequest with \(label)") {
                    try await store.storeBackchannelRequest(request)
                }
                if OpsKit.isValidKey(request.internalId) {
                    try expectNil(try await store.backchannelRequest(forInternalId: request.internalId), "request after a rejected store with \(label)")
                }
            }
            try await expectError(.invalidArgument, "createBackchannelRequest with a NUL in subjectId") {
                var r = OpsKit.ciba(ctx)
                r.subjectId = ctx.key("x\u{0}")
                return try await store.createBackchannelRequest(r)
            }
            let logins = try await store.backchannelLogins(forSubject: original.subjectId, clientId: nil)
            try expectEqual(logins.map(\.internalId), [original.internalId], "only the valid request is stored for the subject")
        },
    ]
}
