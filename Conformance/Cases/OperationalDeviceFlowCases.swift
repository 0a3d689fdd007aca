import Foundation
import IdentityStorage

// Device-flow authorizations: both codes unique, find by either, update by user code, remove / take by device code.

extension ConformanceSuite {
    static let deviceFlowBasicCases: [ConformanceCase] = [
        ConformanceCase("device-flow.store.find-by-user-code") { ctx in
            let auth = OpsKit.device(ctx, "a")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try OpsKit.expectSame(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: auth.userCode), auth,
                                  "authorization found by user code")
        },

        ConformanceCase("device-flow.store.find-by-device-code") { ctx in
            let auth = OpsKit.device(ctx, "a")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try OpsKit.expectSame(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: auth.deviceCode), auth,
                                  "authorization found by device code")
        },

        ConformanceCase("device-flow.store.round-trip-all-fields") { ctx in
            let whole = ctx.now.microsecondsSince1970 / 1_000_000 * 1_000_000
            let auth = DeviceAuthorization(deviceCode: ctx.key("dc-🔐-\(OpsKit.nfd)"), userCode: ctx.key("UC-漢字"), clientId: ctx.key("client-ü"),
                                           subjectId: ctx.key("sub-עברית"), sessionId: ctx.key("sid"), description: OpsKit.unicodeSample,
                                           creationTime: Date(microsecondsSince1970: whole + 123_456),
                                           expiration: Date(microsecondsSince1970: whole + 300_654_321),
                                           data: "{\"d\":\"\(OpsKit.unicodeSample)\"}")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try await OpsKit.expectDeviceStored(ctx, auth, "authorization with every field set, Unicode and µs timestamps")
        },

        ConformanceCase("device-flow.store.round-trip-nil-fields") { ctx in
            let auth = OpsKit.device(ctx, "bare", data: "")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try await OpsKit.expectDeviceStored(ctx, auth, "authorization without subject, session, description, with empty data")
            let described = OpsKit.device(ctx, "described", description: "")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(described)
            try await OpsKit.expectDeviceStored(ctx, described, "authorization with an empty (non-nil) description")
        },

        ConformanceCase("device-flow.store.large-data") { ctx in
            let data = OpsKit.payload(bytes: 1_000_000)
            let auth = OpsKit.device(ctx, "big", data: data)
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            let stored = try expectValue(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: auth.deviceCode), "1 MB authorization")
            try expect(OpsKit.sameBytes(stored.data, data), "1 MB device data differs (read \(stored.data.utf8.count) bytes)")
            try await OpsKit.expectDeviceStored(ctx, auth, "1 MB authorization")
        },

        ConformanceCase("device-flow.store.duplicate-user-code") { ctx in
            let original = OpsKit.device(ctx, "a", subjectId: ctx.key("sub"))
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var clash = OpsKit.device(ctx, "b", data: "clash")
            clash.userCode = original.userCode
            try await expectError(.duplicate, "storeDeviceAuthorization with an existing user code") {
                try await ctx.stores.deviceFlow.storeDeviceAuthorization(clash)
            }
            try await OpsKit.expectDeviceStored(ctx, original, "original after the user-code clash")
            try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: clash.deviceCode),
                          "new device code of the rejected authorization (no half-written row)")
        },

        ConformanceCase("device-flow.store.duplicate-device-code") { ctx in
            let original = OpsKit.device(ctx, "a", subjectId: ctx.key("sub"))
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var clash = OpsKit.device(ctx, "b", data: "clash")
            clash.deviceCode = original.deviceCode
            try await expectError(.duplicate, "storeDeviceAuthorization with an existing device code") {
                try await ctx.stores.deviceFlow.storeDeviceAuthorization(clash)
            }
            try await OpsKit.expectDeviceStored(ctx, original, "original after the device-code clash")
            try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: clash.userCode),
                          "new user code of the rejected authorization (no half-written row)")
        },

        ConformanceCase("device-flow.store.duplicate-both-codes") { ctx in
            let original = OpsKit.device(ctx, "a")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var again = original
            again.data = "again"
            again.subjectId = ctx.key("sub")
            try await expectError(.duplicate, "storeDeviceAuthorization of the same codes twice") {
                try await ctx.stores.deviceFlow.storeDeviceAuthorization(again)
            }
            try await OpsKit.expectDeviceStored(ctx, original, "original after storing its codes again")
        },

        ConformanceCase("device-flow.store.codes-reusable-after-remove") { ctx in
            let first = OpsKit.device(ctx, "a", data: "first")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(first)
            try expect(try await ctx.stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: first.deviceCode), "remove")
            var second = first
            second.data = "second"
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(second)
            try await OpsKit.expectDeviceStored(ctx, second, "authorization stored again under removed codes")
        },

        ConformanceCase("device-flow.find.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: ctx.key("missing")), "find by unknown user code")
            try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: ctx.key("missing")), "find by unknown device code")
        },

        ConformanceCase("device-flow.find.codes-not-interchangeable") { ctx in
            let auth = OpsKit.device(ctx, "a")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: auth.userCode), "find by device code given the user code")
            try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: auth.deviceCode), "find by user code given the device code")
            try expect(!(try await ctx.stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: auth.userCode)),
                       "remove by device code given the user code returns false")
            try expect(!(try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: auth.deviceCode, with: auth)),
                       "update by user code given the device code returns false")
            try await OpsKit.expectDeviceStored(ctx, auth, "authorization after lookups with the wrong code kind")
        },

        ConformanceCase("device-flow.codes.case-sensitive") { ctx in
            var upper = OpsKit.device(ctx, "a")
            upper.deviceCode = ctx.key("DEVICE-Code"); upper.userCode = ctx.key("USER-Code")
            var lower = OpsKit.device(ctx, "b", data: "lower")
            lower.deviceCode = ctx.key("device-code"); lower.userCode = ctx.key("user-code")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(upper)
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: lower.deviceCode, userCode: lower.userCode, "lower-case codes before they exist")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(lower) // not a duplicate
            try await OpsKit.expectDeviceStored(ctx, upper, "upper-case codes")
            try await OpsKit.expectDeviceStored(ctx, lower, "lower-case codes (a separate authorization)")
        },

        ConformanceCase("device-flow.codes.byte-exact") { ctx in
            var composed = OpsKit.device(ctx, "a", data: "nfc")
            composed.deviceCode = ctx.key("dc-" + OpsKit.nfc); composed.userCode = ctx.key("uc-" + OpsKit.nfc)
            var decomposed = OpsKit.device(ctx, "b", data: "nfd")
            decomposed.deviceCode = ctx.key("dc-" + OpsKit.nfd); decomposed.userCode = ctx.key("uc-" + OpsKit.nfd)
            var spaced = OpsKit.device(ctx, "c", data: "space")
            spaced.deviceCode = composed.deviceCode + " "; spaced.userCode = composed.userCode + " "
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(composed)
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: decomposed.deviceCode, userCode: decomposed.userCode, "NFD lookup of NFC codes")
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: spaced.deviceCode, userCode: spaced.userCode, "lookup with a trailing space")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(decomposed)
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(spaced)
            for auth in [composed, decomposed, spaced] {
                let stored = try expectValue(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: auth.userCode), "find \(auth.data)")
                try expectEqual(stored.data, auth.data, "data found under the \(auth.data) user code")
                try expect(Array(stored.deviceCode.utf8) == Array(auth.deviceCode.utf8), "device code bytes of \(auth.data) round-trip")
                let byDevice = try expectValue(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: auth.deviceCode), "find \(auth.data) by device code")
                try expectEqual(byDevice.data, auth.data, "data found under the \(auth.data) device code")
                try expect(Array(byDevice.userCode.utf8) == Array(auth.userCode.utf8), "user code bytes of \(auth.data) round-trip")
            }
        },

        ConformanceCase("device-flow.update.changes-mutable-fields") { ctx in
            let original = OpsKit.device(ctx, "a", data: "{\"authorized\":false}")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var update = original
            update.subjectId = ctx.key("sub")
            update.sessionId = ctx.key("sid")
            update.description = "living-room TV 📺"
            update.data = "{\"authorized\":true}"
            try expect(try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: original.userCode, with: update),
                       "updateDeviceAuthorization returns true")
            try await OpsKit.expectDeviceStored(ctx, update, "authorization after the update")
        },

        ConformanceCase("device-flow.update.keeps-codes-client-and-times") { ctx in
            let original = OpsKit.device(ctx, "a", data: "before")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            let update = DeviceAuthorization(deviceCode: ctx.key("other-dc"), userCode: ctx.key("other-uc"), clientId: ctx.key("other-client"),
                                             subjectId: ctx.key("sub"), sessionId: ctx.key("sid"), description: "d",
                                             creationTime: OpsKit.time(ctx, -1000), expiration: OpsKit.time(ctx, 9999), data: "after")
            try expect(try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: original.userCode, with: update),
                       "updateDeviceAuthorization returns true")
            var expected = original
            expected.subjectId = update.subjectId
            expected.sessionId = update.sessionId
            expected.description = update.description
            expected.data = update.data
            try await OpsKit.expectDeviceStored(ctx, expected, "authorization after an update passing other codes, client and times")
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: update.deviceCode, userCode: update.userCode, "codes of the passed record")
        },

        ConformanceCase("device-flow.update.clears-optional-fields") { ctx in
            let original = OpsKit.device(ctx, "a", subjectId: ctx.key("sub"), sessionId: ctx.key("sid"), description: "d", data: "x")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var update = original
            update.subjectId = nil
            update.sessionId = nil
            update.description = nil
            update.data = ""
            try expect(try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: original.userCode, with: update),
                       "updateDeviceAuthorization returns true")
            try await OpsKit.expectDeviceStored(ctx, update, "authorization after an update to nil subject, session, description")
        },

        ConformanceCase("device-flow.update.missing-returns-false") { ctx in
            let auth = OpsKit.device(ctx, "ghost", subjectId: ctx.key("sub"))
            let updated = try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: auth.userCode, with: auth)
            try expect(!updated, "updateDeviceAuthorization of an unknown user code returns false")
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: auth.deviceCode, userCode: auth.userCode, "update of a missing code creates nothing")
        },

        ConformanceCase("device-flow.update.bad-input-rejected") { ctx in
            let original = OpsKit.device(ctx, "a", data: "original")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var bad: [(String, IdentityStorageError.Code, DeviceAuthorization)] = []
            var d = original; d.data = "x\u{0}y"; bad.append(("NUL in data", .invalidArgument, d))
            d = original; d.subjectId = ctx.key("s\u{0}"); bad.append(("NUL in subjectId", .invalidArgument, d))
            d = original; d.subjectId = OpsKit.key(ctx, "long", bytes: 201); bad.append(("201-byte subjectId", .invalidArgument, d))
            d = original; d.description = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes + 1); bad.append(("4001-byte description", .tooLarge, d))
            d = original; d.data = OpsKit.text(bytes: IdentityStorageLimits.maxPayloadBytes + 1); bad.append(("data over 8 MiB", .tooLarge, d))
            for (label, code, update) in bad {
                try await expectError(code, "updateDeviceAuthorization with \(label)") {
                    try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: original.userCode, with: update)
                }
                try await OpsKit.expectDeviceStored(ctx, original, "authorization after a rejected update with \(label)")
            }
        },

        ConformanceCase("device-flow.remove.removes-both-lookups") { ctx in
            let auth = OpsKit.device(ctx, "a")
            let other = OpsKit.device(ctx, "b")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(other)
            try expect(try await ctx.stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: auth.deviceCode),
                       "removeDeviceAuthorization returns true")
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: auth.deviceCode, userCode: auth.userCode, "removed authorization")
            try expect(!(try await ctx.stores.deviceFlow.updateDeviceAuthorization(forUserCode: auth.userCode, with: auth)),
                       "update by the removed user code returns false")
            try await OpsKit.expectDeviceStored(ctx, other, "other authorization after a remove")
        },

        ConformanceCase("device-flow.remove.missing-returns-false") { ctx in
            let removed = try await ctx.stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: ctx.key("missing"))
            try expect(!removed, "removeDeviceAuthorization of an unknown device code returns false")
            let auth = OpsKit.device(ctx, "a")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try expect(try await ctx.stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: auth.deviceCode), "first remove")
            try expect(!(try await ctx.stores.deviceFlow.removeDeviceAuthorization(forDeviceCode: auth.deviceCode)), "second remove returns false")
        },

        ConformanceCase("device-flow.store.bad-input-rejected") { ctx in
            let original = OpsKit.device(ctx, "orig")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(original)
            var bad: [(String, IdentityStorageError.Code, DeviceAuthorization)] = []
            var d = OpsKit.device(ctx, "b1"); d.deviceCode = ""; bad.append(("empty device code", .invalidArgument, d))
            d = OpsKit.device(ctx, "b2"); d.userCode = ""; bad.append(("empty user code", .invalidArgument, d))
            d = OpsKit.device(ctx, "b3"); d.deviceCode = OpsKit.key(ctx, "dc-long", bytes: 201); bad.append(("201-byte device code", .invalidArgument, d))
            d = OpsKit.device(ctx, "b4"); d.userCode = OpsKit.key(ctx, "uc-long", bytes: 201); bad.append(("201-byte user code", .invalidArgument, d))
            d = OpsKit.device(ctx, "b5"); d.deviceCode = ctx.key("dc\u{0}b5"); bad.append(("NUL in device code", .invalidArgument, d))
            d = OpsKit.device(ctx, "b6"); d.userCode = ctx.key("uc\u{0}b6"); bad.append(("NUL in user code", .invalidArgument, d))
            d = OpsKit.device(ctx, "b7"); d.clientId = ""; bad.append(("empty client id", .invalidArgument, d))
            d = OpsKit.device(ctx, "b8"); d.data = "\u{0}"; bad.append(("NUL in data", .invalidArgument, d))
            d = OpsKit.device(ctx, "b9"); d.sessionId = "s\u{0}"; bad.append(("NUL in session id", .invalidArgument, d))
            d = OpsKit.device(ctx, "b10"); d.description = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
            bad.append(("4001-byte description", .tooLarge, d))
            d = OpsKit.device(ctx, "b11"); d.data = OpsKit.text(bytes: IdentityStorageLimits.maxPayloadBytes + 1)
            bad.append(("data over 8 MiB", .tooLarge, d))
            for (label, code, auth) in bad {
                try await expectError(code, "storeDeviceAuthorization with \(label)") {
                    try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
                }
                // The valid one of the two codes must not have been half-written.
                if OpsKit.isValidKey(auth.deviceCode) {
                    try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: auth.deviceCode),
                                  "device code of the rejected authorization with \(label)")
                }
                if OpsKit.isValidKey(auth.userCode) {
                    try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: auth.userCode),
                                  "user code of the rejected authorization with \(label)")
                }
            }
            let max = OpsKit.device(ctx, "max")
            var maxed = max
            maxed.deviceCode = OpsKit.key(ctx, "dc-max", bytes: 200); maxed.userCode = OpsKit.key(ctx, "uc-max", bytes: 200)
            maxed.description = OpsKit.text(bytes: IdentityStorageLimits.maxTextBytes)
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(maxed)
            try await OpsKit.expectDeviceStored(ctx, maxed, "authorization with 200-byte codes and a 4000-byte description")
            try await OpsKit.expectDeviceStored(ctx, original, "earlier authorization after rejected stores")
        },
    ]

    static let deviceFlowAtomicCases: [ConformanceCase] = [
        ConformanceCase("device-flow.take.returns-and-deletes") { ctx in
            let auth = OpsKit.device(ctx, "a", subjectId: ctx.key("sub"), sessionId: ctx.key("sid"), description: "d")
            let other = OpsKit.device(ctx, "b")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(other)
            try OpsKit.expectSame(try await ctx.stores.deviceFlow.takeDeviceAuthorization(forDeviceCode: auth.deviceCode), auth, "first take")
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: auth.deviceCode, userCode: auth.userCode, "taken authorization")
            try expectNil(try await ctx.stores.deviceFlow.takeDeviceAuthorization(forDeviceCode: auth.deviceCode), "second take")
            try await OpsKit.expectDeviceStored(ctx, other, "other authorization after a take")
        },

        ConformanceCase("device-flow.take.missing-returns-nil") { ctx in
            try expectNil(try await ctx.stores.deviceFlow.takeDeviceAuthorization(forDeviceCode: ctx.key("missing")), "take of an unknown device code")
            let auth = OpsKit.device(ctx, "a")
            try await ctx.stores.deviceFlow.storeDeviceAuthorization(auth)
            try expectNil(try await ctx.stores.deviceFlow.takeDeviceAuthorization(forDeviceCode: auth.userCode), "take given the user code")
            try await OpsKit.expectDeviceStored(ctx, auth, "authorization after a take with its user code")
        },

        ConformanceCase("device-flow.take.race") { ctx in
            let store = ctx.stores.deviceFlow
            for round in 0..<OpsKit.raceRounds {
                let auths = (0..<OpsKit.raceKeys).map { OpsKit.device(ctx, "r\(round).k\($0)") }
                for auth in auths { try await store.storeDeviceAuthorization(auth) }
                let codes = auths.map(\.deviceCode)
                let results = try await race(OpsKit.raceKeys * OpsKit.tasksPerKey) { i in
                    try await store.takeDeviceAuthorization(forDeviceCode: codes[i % OpsKit.raceKeys])
                }
                for (k, auth) in auths.enumerated() {
                    let winners = results.indices.filter { $0 % OpsKit.raceKeys == k }.compactMap { results[$0] }
                    try expectEqual(winners.count, 1, "round \(round): takers of device code \(k) that got it")
                    try OpsKit.expectSame(winners.first, auth, "round \(round): authorization taken for key \(k)")
                    try await OpsKit.expectDeviceAbsent(ctx, deviceCode: auth.deviceCode, userCode: auth.userCode,
                                                        "round \(round): key \(k) after the race")
                }
            }
        },
    ]
}
