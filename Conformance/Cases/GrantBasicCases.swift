import Foundation
import IdentityStorage

// Persisted grants: get, store (upsert) round-trips, keys, remove.

extension ConformanceSuite {
    static let grantBasicCases: [ConformanceCase] = [
        ConformanceCase("grants.get.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.grants.grant(forKey: ctx.key("missing")), "grant of a key never stored")
        },

        ConformanceCase("grants.store.round-trip-nil-fields") { ctx in
            // A client-credentials reference token: no subject, session, description, expiration or consumption.
            let grant = PersistedGrant(key: ctx.key("ref"), type: PersistedGrantType.referenceToken, clientId: ctx.key("client"),
                                       creationTime: ctx.now, data: "{\"token\":1}")
            try await ctx.stores.grants.storeGrant(grant)
            let stored = try await ctx.stores.grants.grant(forKey: grant.key)
            try OpsKit.expectSame(stored, grant, "grant with nil subject, session, description, expiration, consumedTime")
        },

        ConformanceCase("grants.store.round-trip-all-fields") { ctx in
            let grant = PersistedGrant(key: ctx.key("rt"), type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"),
                                       sessionId: ctx.key("sid"), clientId: ctx.key("client"), description: "my phone",
                                       creationTime: OpsKit.time(ctx, -120), expiration: OpsKit.time(ctx, 3600),
                                       consumedTime: OpsKit.time(ctx, -60), data: "{\"refresh\":true}")
            try await ctx.stores.grants.storeGrant(grant)
            try await OpsKit.expectStored(ctx, grant, "grant with every field set")
        },

        ConformanceCase("grants.store.empty-description-and-data") { ctx in
            // Empty strings stay empty strings (not nil), distinct from a nil description.
            let empty = OpsKit.grant(ctx, ctx.key("empty"), description: "", data: "")
            let none = OpsKit.grant(ctx, ctx.key("none"), description: nil, data: "x")
            try await ctx.stores.grants.storeGrant(empty)
            try await ctx.stores.grants.storeGrant(none)
            try await OpsKit.expectStored(ctx, empty, "grant with empty description and empty data")
            try await OpsKit.expectStored(ctx, none, "grant with nil description")
        },

        ConformanceCase("grants.store.unicode") { ctx in
            let text = OpsKit.unicodeSample
            let grant = OpsKit.grant(ctx, ctx.key("unicode.🔑.漢字.\(OpsKit.nfd)"), type: "type-\(OpsKit.nfc)",
                                     subjectId: ctx.key("sub-עברית-\(OpsKit.nfd)"), sessionId: ctx.key("sid-👩‍👩‍👧"),
                                     clientId: ctx.key("client-漢字"), description: text, data: "{\"v\":\"\(text)\"}")
            try await ctx.stores.grants.storeGrant(grant)
            try await OpsKit.expectStored(ctx, grant, "grant with Unicode in every string field (bytes exact)")
        },

        ConformanceCase("grants.store.large-data-1mb") { ctx in
            let data = OpsKit.payload(bytes: 1_000_000)
            let grant = OpsKit.grant(ctx, ctx.key("big"), data: data)
            try await ctx.stores.grants.storeGrant(grant)
            let stored = try expectValue(try await ctx.stores.grants.grant(forKey: grant.key), "1 MB grant")
            try expect(OpsKit.sameBytes(stored.data, data),
                       "1 MB grant data differs: stored \(data.utf8.count) bytes, read \(stored.data.utf8.count)")
            try OpsKit.expectSame(stored, grant, "1 MB grant")
        },

        ConformanceCase("grants.store.microsecond-timestamps") { ctx in
            let whole = ctx.now.microsecondsSince1970 / 1_000_000 * 1_000_000
            let grant = PersistedGrant(key: ctx.key("micro"), type: PersistedGrantType.authorizationCode, subjectId: ctx.key("sub"),
                                       clientId: ctx.key("client"),
                                       creationTime: Date(microsecondsSince1970: whole + 123_456),
                                       expiration: Date(microsecondsSince1970: whole + 300_000_001),
                                       consumedTime: Date(microsecondsSince1970: whole + 999_999), data: "{}")
            try await ctx.stores.grants.storeGrant(grant)
            let stored = try expectValue(try await ctx.stores.grants.grant(forKey: grant.key), "grant with .123456 s timestamps")
            try expectEqual(stored.creationTime.microsecondsSince1970, whole + 123_456, "creationTime in µs")
            try expectEqual(stored.expiration?.microsecondsSince1970, whole + 300_000_001, "expiration in µs")
            try expectEqual(stored.consumedTime?.microsecondsSince1970, whole + 999_999, "consumedTime in µs")
            try OpsKit.expectSame(stored, grant, "grant with microsecond timestamps")
        },

        ConformanceCase("grants.store.far-past-dates") { ctx in
            // 1900: before every epoch a cleanup case uses, so remove the row at the end.
            let past = Date(microsecondsSince1970: -2_208_988_800_000_000 + 1) // 1900-01-01T00:00:00.000001Z
            let grant = PersistedGrant(key: ctx.key("past"), type: PersistedGrantType.userConsent, subjectId: ctx.key("sub"),
                                       clientId: ctx.key("client"), creationTime: past,
                                       expiration: past.addingTimeInterval(1).roundedToStoragePrecision,
                                       consumedTime: past.addingTimeInterval(2).roundedToStoragePrecision, data: "{}")
            try await ctx.stores.grants.storeGrant(grant)
            let stored = try await ctx.stores.grants.grant(forKey: grant.key)
            try await ctx.stores.grants.removeGrant(forKey: grant.key)
            try OpsKit.expectSame(stored, grant, "grant with 1900 timestamps")
        },

        ConformanceCase("grants.store.far-future-dates") { ctx in
            // Whole seconds: a Foundation Date (a Double of seconds since 2001) cannot hold single microseconds
            // that far out (its resolution near year 9999 is about 30 µs), whatever the store does.
            let future = Date(microsecondsSince1970: 253_402_300_799_000_000) // 9999-12-31T23:59:59Z
            let grant = PersistedGrant(key: ctx.key("future"), type: PersistedGrantType.userConsent, subjectId: ctx.key("sub"),
                                       clientId: ctx.key("client"), creationTime: ctx.now, expiration: future,
                                       consumedTime: Date(microsecondsSince1970: 253_402_300_000_000_000), data: "{}")
            try await ctx.stores.grants.storeGrant(grant)
            let stored = try expectValue(try await ctx.stores.grants.grant(forKey: grant.key), "grant expiring in 9999")
            try expectEqual(stored.expiration?.microsecondsSince1970, 253_402_300_799_000_000, "expiration in µs")
            try OpsKit.expectSame(stored, grant, "grant with year-9999 timestamps")
        },

        ConformanceCase("grants.store.upsert-last-wins") { ctx in
            let key = ctx.key("upsert")
            let first = OpsKit.grant(ctx, key, subjectId: ctx.key("sub"), description: "first", data: "first")
            let second = PersistedGrant(key: key, type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub2"),
                                        sessionId: ctx.key("sid"), clientId: ctx.key("client2"), description: "second",
                                        creationTime: OpsKit.time(ctx, 1), expiration: OpsKit.time(ctx, 600),
                                        consumedTime: OpsKit.time(ctx, 2), data: "second")
            try await ctx.stores.grants.storeGrant(first)
            try await ctx.stores.grants.storeGrant(second)
            try await OpsKit.expectStored(ctx, second, "grant after storing the same key twice")
            let byClient = try await ctx.stores.grants.grants(matching: PersistedGrantFilter(clientIds: [ctx.key("client"), ctx.key("client2")]))
            try expectEqual(byClient.map(\.key), [key], "grants of either client after the upsert (one row)")
        },

        ConformanceCase("grants.store.upsert-clears-optional-fields") { ctx in
            let key = ctx.key("clear")
            let full = PersistedGrant(key: key, type: PersistedGrantType.refreshToken, subjectId: ctx.key("sub"),
                                      sessionId: ctx.key("sid"), clientId: ctx.key("client"), description: "d",
                                      creationTime: ctx.now, expiration: OpsKit.time(ctx, 60), consumedTime: ctx.now, data: "full")
            let bare = PersistedGrant(key: key, type: PersistedGrantType.referenceToken, clientId: ctx.key("client"),
                                      creationTime: ctx.now, data: "bare")
            try await ctx.stores.grants.storeGrant(full)
            try await ctx.stores.grants.storeGrant(bare)
            try await OpsKit.expectStored(ctx, bare, "grant replaced by one with nil optionals (nothing kept from the first)")
        },

        ConformanceCase("grants.remove.existing-returns-true") { ctx in
            let gone = OpsKit.grant(ctx, ctx.key("gone"))
            let kept = OpsKit.grant(ctx, ctx.key("kept"))
            try await ctx.stores.grants.storeGrant(gone)
            try await ctx.stores.grants.storeGrant(kept)
            try expect(try await ctx.stores.grants.removeGrant(forKey: gone.key), "removeGrant of a stored key returns true")
            try expectNil(try await ctx.stores.grants.grant(forKey: gone.key), "removed grant")
            try await OpsKit.expectStored(ctx, kept, "other grant after a remove")
        },

        ConformanceCase("grants.remove.missing-returns-false") { ctx in
            let removed = try await ctx.stores.grants.removeGrant(forKey: ctx.key("missing"))
            try expect(!removed, "removeGrant of a key never stored returns false")
        },

        ConformanceCase("grants.remove.idempotent") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("twice"))
            try await ctx.stores.grants.storeGrant(grant)
            try expect(try await ctx.stores.grants.removeGrant(forKey: grant.key), "first remove returns true")
            try expect(!(try await ctx.stores.grants.removeGrant(forKey: grant.key)), "second remove returns false")
            try expect(!(try await ctx.stores.grants.removeGrant(forKey: grant.key)), "third remove returns false")
            try expectNil(try await ctx.stores.grants.grant(forKey: grant.key), "grant after repeated removes")
        },

        ConformanceCase("grants.store.after-remove") { ctx in
            let grant = OpsKit.grant(ctx, ctx.key("again"), data: "one")
            try await ctx.stores.grants.storeGrant(grant)
            try await ctx.stores.grants.removeGrant(forKey: grant.key)
            var again = grant
            again.data = "two"
            try await ctx.stores.grants.storeGrant(again)
            try await OpsKit.expectStored(ctx, again, "grant stored again under a removed key")
        },
    ]

    static let grantKeyCases: [ConformanceCase] = [
        ConformanceCase("grants.key.case-sensitive") { ctx in
            let upper = OpsKit.grant(ctx, ctx.key("KEY-Case"), data: "upper")
            let lower = OpsKit.grant(ctx, ctx.key("key-case"), data: "lower")
            try await ctx.stores.grants.storeGrant(upper)
            try expectNil(try await ctx.stores.grants.grant(forKey: lower.key), "lookup with other letter case before it exists")
            try await ctx.stores.grants.storeGrant(lower)
            try await OpsKit.expectStored(ctx, upper, "upper-case key")
            try await OpsKit.expectStored(ctx, lower, "lower-case key (a separate grant)")
            try expect(try await ctx.stores.grants.removeGrant(forKey: lower.key), "remove lower-case key")
            try await OpsKit.expectStored(ctx, upper, "upper-case key after removing the lower-case one")
        },

        ConformanceCase("grants.key.trailing-space-distinct") { ctx in
            let plain = OpsKit.grant(ctx, ctx.key("space"), data: "plain")
            let spaced = OpsKit.grant(ctx, ctx.key("space "), data: "spaced")
            try await ctx.stores.grants.storeGrant(plain)
            try expectNil(try await ctx.stores.grants.grant(forKey: spaced.key), "lookup with a trailing space")
            try await ctx.stores.grants.storeGrant(spaced)
            try await OpsKit.expectStored(ctx, plain, "key without trailing space")
            try await OpsKit.expectStored(ctx, spaced, "key with trailing space (a separate grant)")
            let leading = try await ctx.stores.grants.grant(forKey: " " + plain.key)
            try expectNil(leading, "lookup with a leading space")
        },

        ConformanceCase("grants.key.unicode-normalization-distinct") { ctx in
            let composed = OpsKit.grant(ctx, ctx.key("caf" + OpsKit.nfc), data: "nfc")
            let decomposed = OpsKit.grant(ctx, ctx.key("caf" + OpsKit.nfd), data: "nfd")
            try await ctx.stores.grants.storeGrant(composed)
            try expectNil(try await ctx.stores.grants.grant(forKey: decomposed.key), "NFD lookup of an NFC key")
            try await ctx.stores.grants.storeGrant(decomposed)
            let a = try expectValue(try await ctx.stores.grants.grant(forKey: composed.key), "NFC key")
            let b = try expectValue(try await ctx.stores.grants.grant(forKey: decomposed.key), "NFD key")
            try expectEqual(a.data, "nfc", "data under the NFC key")
            try expectEqual(b.data, "nfd", "data under the NFD key")
            try expect(Array(a.key.utf8) == Array(composed.key.utf8), "NFC key bytes round-trip (got \(Array(a.key.utf8.suffix(4))))")
            try expect(Array(b.key.utf8) == Array(decomposed.key.utf8), "NFD key bytes round-trip (got \(Array(b.key.utf8.suffix(4))))")
        },
    ]
}
