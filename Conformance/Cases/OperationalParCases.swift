import Foundation
import IdentityStorage

// Pushed authorization requests: store (create-only), get by hash, consume (delete), take.

extension ConformanceSuite {
    static let parCases: [ConformanceCase] = [
        ConformanceCase("par.store.round-trip") { ctx in
            let whole = ctx.now.microsecondsSince1970 / 1_000_000 * 1_000_000
            let request = PushedAuthorizationRequest(referenceValueHash: ctx.key("hash"),
                                                     expiresAt: Date(microsecondsSince1970: whole + 60_123_456),
                                                     parameters: "{\"scope\":\"openid\",\"note\":\"\(OpsKit.unicodeSample)\"}")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(request)
            let stored = try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: request.referenceValueHash)
            try OpsKit.expectSame(stored, request, "pushed authorization request with Unicode parameters and a µs expiry")
        },

        ConformanceCase("par.store.large-and-empty-parameters") { ctx in
            let big = OpsKit.par(ctx, "big", parameters: OpsKit.payload(bytes: 1_000_000))
            let empty = OpsKit.par(ctx, "empty", parameters: "")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(big)
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(empty)
            let stored = try expectValue(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: big.referenceValueHash),
                                         "1 MB request")
            try expect(OpsKit.sameBytes(stored.parameters, big.parameters), "1 MB parameters differ (read \(stored.parameters.utf8.count) bytes)")
            try OpsKit.expectSame(stored, big, "1 MB request")
            try OpsKit.expectSame(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: empty.referenceValueHash),
                                  empty, "request with empty parameters")
        },

        ConformanceCase("par.get.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: ctx.key("missing")),
                          "request of an unknown hash")
        },

        ConformanceCase("par.get.expired-still-returned") { ctx in
            let request = OpsKit.par(ctx, "expired", expiresIn: -3600)
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(request)
            try OpsKit.expectSame(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                                  request, "request whose expiresAt is an hour past (the store does not check expiry)")
        },

        ConformanceCase("par.consume.then-get-nil") { ctx in
            let request = OpsKit.par(ctx, "a")
            let other = OpsKit.par(ctx, "b")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(request)
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(other)
            try expect(try await ctx.stores.pushedAuthorizationRequests.consumePushedAuthorizationRequest(forHash: request.referenceValueHash),
                       "consume of a stored request returns true")
            try expectNil(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                          "request after consume")
            try expect(!(try await ctx.stores.pushedAuthorizationRequests.consumePushedAuthorizationRequest(forHash: request.referenceValueHash)),
                       "second consume returns false")
            try OpsKit.expectSame(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: other.referenceValueHash),
                                  other, "other request after a consume")
        },

        ConformanceCase("par.consume.missing-returns-false") { ctx in
            let consumed = try await ctx.stores.pushedAuthorizationRequests.consumePushedAuthorizationRequest(forHash: ctx.key("missing"))
            try expect(!consumed, "consume of an unknown hash returns false")
        },

        ConformanceCase("par.store.duplicate") { ctx in
            let original = OpsKit.par(ctx, "dup", parameters: "original")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(original)
            var again = original
            again.parameters = "again"
            again.expiresAt = OpsKit.time(ctx, 600)
            try await expectError(.duplicate, "storePushedAuthorizationRequest with an existing hash") {
                try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(again)
            }
            try OpsKit.expectSame(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: original.referenceValueHash),
                                  original, "original request after the duplicate store")
        },

        ConformanceCase("par.store.after-consume") { ctx in
            let first = OpsKit.par(ctx, "again", parameters: "first")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(first)
            try expect(try await ctx.stores.pushedAuthorizationRequests.consumePushedAuthorizationRequest(forHash: first.referenceValueHash), "consume")
            var second = first
            second.parameters = "second"
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(second)
            try OpsKit.expectSame(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: first.referenceValueHash),
                                  second, "request stored again under a consumed hash")
        },

        ConformanceCase("par.hash.byte-exact") { ctx in
            let upper = OpsKit.par(ctx, "HASH-\(OpsKit.nfc)", parameters: "upper-nfc")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(upper)
            let store = ctx.stores.pushedAuthorizationRequests
            for (label, hash) in [("other case", ctx.key("par.hash-\(OpsKit.nfc)")), ("NFD", ctx.key("par.HASH-\(OpsKit.nfd)")),
                                  ("trailing space", upper.referenceValueHash + " ")] {
                try expectNil(try await store.pushedAuthorizationRequest(forHash: hash), "lookup by a hash differing in \(label)")
                try expect(!(try await store.consumePushedAuthorizationRequest(forHash: hash)), "consume by a hash differing in \(label)")
                try expectNil(try await store.takePushedAuthorizationRequest(forHash: hash), "take by a hash differing in \(label)")
                var twin = upper
                twin.referenceValueHash = hash
                twin.parameters = label
                try await store.storePushedAuthorizationRequest(twin) // a distinct hash, not a duplicate
                try OpsKit.expectSame(try await store.pushedAuthorizationRequest(forHash: hash), twin, "request under the hash differing in \(label)")
            }
            try OpsKit.expectSame(try await store.pushedAuthorizationRequest(forHash: upper.referenceValueHash), upper,
                                  "original request after lookups and stores of similar hashes")
        },

        ConformanceCase("par.take.once") { ctx in
            let request = OpsKit.par(ctx, "a")
            try await ctx.stores.pushedAuthorizationRequests.storePushedAuthorizationRequest(request)
            try OpsKit.expectSame(try await ctx.stores.pushedAuthorizationRequests.takePushedAuthorizationRequest(forHash: request.referenceValueHash),
                                  request, "first take")
            try expectNil(try await ctx.stores.pushedAuthorizationRequests.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                          "request after take")
            try expectNil(try await ctx.stores.pushedAuthorizationRequests.takePushedAuthorizationRequest(forHash: request.referenceValueHash),
                          "second take")
            try expect(!(try await ctx.stores.pushedAuthorizationRequests.consumePushedAuthorizationRequest(forHash: request.referenceValueHash)),
                       "consume after take returns false")
        },

        ConformanceCase("par.take.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.pushedAuthorizationRequests.takePushedAuthorizationRequest(forHash: ctx.key("missing")),
                          "take of an unknown hash")
        },

        ConformanceCase("par.take.race") { ctx in
            let store = ctx.stores.pushedAuthorizationRequests
            for round in 0..<OpsKit.raceRounds {
                let requests = (0..<OpsKit.raceKeys).map { OpsKit.par(ctx, "r\(round).k\($0)") }
                for request in requests { try await store.storePushedAuthorizationRequest(request) }
                let hashes = requests.map(\.referenceValueHash)
                let results = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.takePushedAuthorizationRequest(forHash: hashes[i % OpsKit.raceKeys])
                }
                for (k, request) in requests.enumerated() {
                    let winners = results.indices.filter { $0 % OpsKit.raceKeys == k }.compactMap { results[$0] }
                    try expectEqual(winners.count, 1, "round \(round): takers of hash \(k) that got the request")
                    try OpsKit.expectSame(winners.first, request, "round \(round): request taken for key \(k)")
                    try expectNil(try await store.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                                  "round \(round): hash \(k) after the race")
                }
            }
        },

        ConformanceCase("par.consume.race") { ctx in
            // Consume reports true to exactly one of concurrent callers.
            let store = ctx.stores.pushedAuthorizationRequests
            for round in 0..<OpsKit.raceRounds {
                let requests = (0..<OpsKit.raceKeys).map { OpsKit.par(ctx, "r\(round).k\($0)") }
                for request in requests { try await store.storePushedAuthorizationRequest(request) }
                let hashes = requests.map(\.referenceValueHash)
                let results = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.consumePushedAuthorizationRequest(forHash: hashes[i % OpsKit.raceKeys])
                }
                for k in 0..<OpsKit.raceKeys {
                    let winners = results.indices.filter { $0 % OpsKit.raceKeys == k && results[$0] }.count
                    try expectEqual(winners, 1, "round \(round): consumers of hash \(k) that got true")
                    try expectNil(try await store.pushedAuthorizationRequest(forHash: hashes[k]), "round \(round): hash \(k) after the race")
                }
            }
        },

        ConformanceCase("par.store.bad-input-rejected") { ctx in
            let original = OpsKit.par(ctx, "orig")
            let store = ctx.stores.pushedAuthorizationRequests
            try await store.storePushedAuthorizationRequest(original)
            var bad: [(String, IdentityStorageError.Code, PushedAuthorizationRequest)] = []
            var p = OpsKit.par(ctx, "b1"); p.referenceValueHash = ""; bad.append(("empty hash", .invalidArgument, p))
            p = OpsKit.par(ctx, "b2"); p.referenceValueHash = OpsKit.key(ctx, "long", bytes: 201); bad.append(("201-byte hash", .invalidArgument, p))
            p = OpsKit.par(ctx, "b3"); p.referenceValueHash = ctx.key("h\u{0}"); bad.append(("NUL in hash", .invalidArgument, p))
            p = OpsKit.par(ctx, "b4"); p.parameters = "a\u{0}b"; bad.append(("NUL in parameters", .invalidArgument, p))
            p = OpsKit.par(ctx, "b5"); p.parameters = OpsKit.text(bytes: IdentityStorageLimits.maxPayloadBytes + 1)
            bad.append(("parameters over 8 MiB", .tooLarge, p))
            for (label, code, request) in bad {
                try await expectError(code, "storePushedAuthorizationRequest with \(label)") {
                    try await store.storePushedAuthorizationRequest(request)
                }
                if OpsKit.isValidKey(request.referenceValueHash) {
                    try expectNil(try await store.pushedAuthorizationRequest(forHash: request.referenceValueHash),
                                  "request after a rejected store with \(label)")
                }
            }
            try expectNil(try await store.pushedAuthorizationRequest(forHash: ctx.key("h")), "truncated hash of the NUL-hash request")
            let max = PushedAuthorizationRequest(referenceValueHash: OpsKit.key(ctx, "max", bytes: 200), expiresAt: OpsKit.time(ctx, 60),
                                                 parameters: "{}")
            try await store.storePushedAuthorizationRequest(max)
            try OpsKit.expectSame(try await store.pushedAuthorizationRequest(forHash: max.referenceValueHash), max, "request with a 200-byte hash")
            try OpsKit.expectSame(try await store.pushedAuthorizationRequest(forHash: original.referenceValueHash), original,
                                  "earlier request after rejected stores")
        },
    ]
}
