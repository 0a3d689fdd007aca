import Foundation
import IdentityStorage

private typealias F = HousekeepingFixtures

extension ConformanceSuite {
    // MARK: replay cache (§1.11)

    static let replayCacheCases: [ConformanceCase] = [
        ConformanceCase("replay.try-add.first-sighting") { ctx in
            let replay = ctx.stores.replayCache, purpose = ctx.key("jti-")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h1", expiration: F.at(ctx, 60)), true, "first tryAdd")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h1", expiration: F.at(ctx, 60)), false, "second tryAdd of the same handle")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h2", expiration: F.at(ctx, 60)), true, "tryAdd of another handle")
        },

        ConformanceCase("replay.exists.after-add") { ctx in
            let replay = ctx.stores.replayCache, purpose = ctx.key("jti-")
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h1"), false, "exists before add")
            try await replay.add(purpose: purpose, handle: "h1", expiration: F.at(ctx, 60))
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h1"), true, "exists after add")
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h2"), false, "exists of another handle")
        },

        ConformanceCase("replay.purpose.independent") { ctx in
            let replay = ctx.stores.replayCache
            let dpop = ctx.key("DPoPReplay-jti-"), assertion = ctx.key("PrivateKeyJwt-")
            try expectEqual(try await replay.tryAdd(purpose: dpop, handle: "same", expiration: F.at(ctx, 60)), true, "tryAdd under the first purpose")
            try expectEqual(try await replay.exists(purpose: assertion, handle: "same"), false, "exists under the second purpose")
            try expectEqual(try await replay.tryAdd(purpose: assertion, handle: "same", expiration: F.at(ctx, 60)), true, "tryAdd under the second purpose")
        },

        ConformanceCase("replay.key.no-concatenation-clash") { ctx in
            let replay = ctx.stores.replayCache
            try expectEqual(try await replay.tryAdd(purpose: ctx.key("ab"), handle: "c", expiration: F.at(ctx, 60)), true, "purpose 'ab' + handle 'c'")
            try expectEqual(try await replay.exists(purpose: ctx.key("a"), handle: "bc"), false, "purpose 'a' + handle 'bc' before its add")
            try expectEqual(try await replay.tryAdd(purpose: ctx.key("a"), handle: "bc", expiration: F.at(ctx, 60)), true, "purpose 'a' + handle 'bc'")
        },

        ConformanceCase("replay.handle.exact-bytes") { ctx in
            let replay = ctx.stores.replayCache, purpose = ctx.key("jti-")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "Handle", expiration: F.at(ctx, 60)), true, "tryAdd 'Handle'")
            for handle in ["handle", "Handle ", "HANDLE"] {
                try expectEqual(try await replay.exists(purpose: purpose, handle: handle), false, "exists '\(handle)'")
                try expectEqual(try await replay.tryAdd(purpose: purpose, handle: handle, expiration: F.at(ctx, 60)), true, "tryAdd '\(handle)'")
            }
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "caf\u{E9}", expiration: F.at(ctx, 60)), true, "tryAdd NFC handle")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "cafe\u{301}", expiration: F.at(ctx, 60)), true, "tryAdd NFD handle")
        },

        ConformanceCase("replay.try-add.after-expiry") { ctx in
            let replay = ctx.stores.replayCache, purpose = ctx.key("jti-")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h", expiration: F.at(ctx, 0.4)), true, "first tryAdd")
            try await ctx.advance(by: 0.2)
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h"), true, "exists before expiry")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h", expiration: F.at(ctx, 0.2)), false, "tryAdd before expiry")
            try await ctx.advance(by: 0.4)
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h"), false, "exists after expiry")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h", expiration: F.at(ctx, 60)), true, "tryAdd after expiry")
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h"), true, "exists after the new tryAdd")
        },

        ConformanceCase("replay.try-add.past-expiration") { ctx in
            let replay = ctx.stores.replayCache, purpose = ctx.key("jti-")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h", expiration: F.at(ctx, -1)), true, "tryAdd with a past expiration")
            try expectEqual(try await replay.exists(purpose: purpose, handle: "h"), false, "exists after a past-expiration tryAdd (nothing stored)")
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h", expiration: F.at(ctx, -3600)), true, "second tryAdd with a past expiration")
            try await replay.add(purpose: purpose, handle: "h", expiration: F.at(ctx, -1))
            try expectEqual(try await replay.tryAdd(purpose: purpose, handle: "h", expiration: F.at(ctx, 60)), true, "tryAdd with a future expiration afterwards")
        },

        ConformanceCase("replay.try-add.race") { ctx in
            let handles = 16, tasks = 8, purpose = ctx.key("jti-")
            for round in 0..<3 {
                let expiration = F.at(ctx, 60)
                let results = try await race(handles * tasks) { index in
                    try await ctx.stores.replayCache.tryAdd(purpose: purpose, handle: "r\(round)-h\(index % handles)", expiration: expiration)
                }
                for handle in 0..<handles {
                    let winners = (0..<(handles * tasks)).filter { $0 % handles == handle && results[$0] }
                    try expectEqual(winners.count, 1, "round \(round), handle \(handle): tryAdd calls that returned true (\(winners))")
                    try expectEqual(try await ctx.stores.replayCache.exists(purpose: purpose, handle: "r\(round)-h\(handle)"), true,
                                    "round \(round), handle \(handle): exists after the race")
                }
            }
        },

        ConformanceCase("replay.input.invalid") { ctx in
            let replay = ctx.stores.replayCache
            for (purpose, handle, what) in [("", "h", "an empty purpose"), (ctx.key("p"), "", "an empty handle"),
                                            (ctx.key("p\u{0}"), "h", "a NUL byte in the purpose"), (ctx.key("p"), "h\u{0}", "a NUL byte in the handle")] {
                try await expectError(.invalidArgument, "tryAdd with \(what)") {
                    try await replay.tryAdd(purpose: purpose, handle: handle, expiration: F.at(ctx, 60))
                }
                try await expectError(.invalidArgument, "exists with \(what)") {
                    try await replay.exists(purpose: purpose, handle: handle)
                }
            }
        },
    ]

    // MARK: authorization-parameters messages (§1.12)

    static let messageStoreCases: [ConformanceCase] = [
        ConformanceCase("messages.write-read.round-trip") { ctx in
            let message = AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: [
                "client_id": [ctx.key("client")],
                "scope": ["openid profile offline_access"],
                "acr_values": ["idp:google", "tenant:acme", "idp:google"],
                "ui_locales": ["fr-CA 日本語 עברית 😀 e\u{301}"],
                "redirect_uri": ["https://client.example/cb?x=1&y=%20"],
                "nonce": [""],
            ])
            let id = try await ctx.stores.authorizationParametersMessages.writeMessage(message)
            try expect(!id.isEmpty, "message id is empty")
            let read = try expectValue(try await ctx.stores.authorizationParametersMessages.readMessage(id: id), "message read back")
            try expectEqual(read, message, "message read back")
            try expect(read.parameters["ui_locales"]?.first?.utf8.elementsEqual(message.parameters["ui_locales"]![0].utf8) == true,
                       "Unicode parameter bytes differ")
        },

        ConformanceCase("messages.write-read.empty") { ctx in
            let store = ctx.stores.authorizationParametersMessages
            let empty = AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: [:])
            let emptyId = try await store.writeMessage(empty)
            try expectEqual(try await store.readMessage(id: emptyId), empty, "message without parameters")
            let hollow = AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["none": [], "blank": [""]])
            let hollowId = try await store.writeMessage(hollow)
            try expectEqual(try await store.readMessage(id: hollowId), hollow, "parameters with no value and with an empty value")
        },

        ConformanceCase("messages.write.drops-request-uri") { ctx in
            let message = AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: [
                "request_uri": ["urn:ietf:params:oauth:request_uri:abc"], "client_id": [ctx.key("client")],
            ])
            let id = try await ctx.stores.authorizationParametersMessages.writeMessage(message)
            let read = try expectValue(try await ctx.stores.authorizationParametersMessages.readMessage(id: id), "message read back")
            try expectEqual(read.parameters, ["client_id": [ctx.key("client")]], "parameters (request_uri dropped)")
        },

        ConformanceCase("messages.write-read.large") { ctx in
            let value = String(repeating: "abcdefgh", count: 131_072) // 1 MiB
            let message = AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["request": [value]])
            let id = try await ctx.stores.authorizationParametersMessages.writeMessage(message)
            let read = try expectValue(try await ctx.stores.authorizationParametersMessages.readMessage(id: id), "message read back")
            try expect(read == message, "1 MiB parameter differs: got \(read.parameters["request"]?.first?.utf8.count ?? -1) bytes")
        },

        ConformanceCase("messages.read.missing") { ctx in
            try expectNil(try await ctx.stores.authorizationParametersMessages.readMessage(id: RandomHandle.make()), "message never written")
        },

        ConformanceCase("messages.delete.existing") { ctx in
            let store = ctx.stores.authorizationParametersMessages
            let keep = try await store.writeMessage(AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["a": ["keep"]]))
            let id = try await store.writeMessage(AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["a": ["b"]]))
            try expectEqual(try await store.deleteMessage(id: id), true, "delete of a written message")
            try expectNil(try await store.readMessage(id: id), "message after delete")
            try expectEqual(try await store.deleteMessage(id: id), false, "second delete")
            try expectEqual(try await store.readMessage(id: keep)?.parameters, ["a": ["keep"]], "another message after the delete")
        },

        ConformanceCase("messages.delete.missing") { ctx in
            try expectEqual(try await ctx.stores.authorizationParametersMessages.deleteMessage(id: RandomHandle.make()), false, "delete of a missing message")
        },

        ConformanceCase("messages.ids.unique") { ctx in
            let store = ctx.stores.authorizationParametersMessages
            var ids: [String] = []
            for index in 0..<20 {
                ids.append(try await store.writeMessage(AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["state": ["s\(index)"]])))
            }
            try expectEqual(F.duplicates(ids), [], "message ids returned twice")
            for (index, id) in ids.enumerated() {
                try expectEqual(try await store.readMessage(id: id)?.parameters, ["state": ["s\(index)"]], "message \(index)")
            }
        },

        ConformanceCase("messages.sliding.expires") { ctx in
            let store = CacheBackedAuthorizationParametersMessageStore(cache: ctx.stores.cache, slidingExpiration: 0.4)
            let id = try await store.writeMessage(AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["a": ["b"]]))
            try await ctx.advance(by: 0.6)
            try expectNil(try await store.readMessage(id: id), "message idle 0.2 s past its 0.4 s sliding expiration")
        },

        ConformanceCase("messages.sliding.renewed-by-read") { ctx in
            let store = CacheBackedAuthorizationParametersMessageStore(cache: ctx.stores.cache, slidingExpiration: 0.4)
            let message = AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["a": ["b"]])
            let id = try await store.writeMessage(message)
            for step in 1...3 {
                try await ctx.advance(by: 0.25)
                try expectEqual(try await store.readMessage(id: id), message, "message at read \(step) (every 0.25 s, sliding 0.4 s)")
            }
            try await ctx.advance(by: 0.6)
            try expectNil(try await store.readMessage(id: id), "message after 0.6 s without a read")
        },

        ConformanceCase("messages.input.invalid") { ctx in
            let store = ctx.stores.authorizationParametersMessages
            try await expectError(.invalidArgument, "a NUL byte in a parameter value") {
                try await store.writeMessage(AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["a": ["b\u{0}c"]]))
            }
            try await expectError(.invalidArgument, "a NUL byte in a parameter name") {
                try await store.writeMessage(AuthorizationParametersMessage(created: F.at(ctx, 0), parameters: ["a\u{0}": ["b"]]))
            }
            try await expectError(.tooLarge, "a parameter value over 8 MiB") {
                try await store.writeMessage(AuthorizationParametersMessage(
                    created: F.at(ctx, 0), parameters: ["a": [String(repeating: "x", count: IdentityStorageLimits.maxPayloadBytes + 1)]]))
            }
            try await expectError(.invalidArgument, "readMessage with an empty id") {
                try await store.readMessage(id: "")
            }
            try await expectError(.invalidArgument, "deleteMessage with an empty id") {
                try await store.deleteMessage(id: "")
            }
        },
    ]

    // MARK: device-flow throttling (§1.13)

    static let deviceThrottlingCases: [ConformanceCase] = [
        ConformanceCase("throttling.poll.first") { ctx in
            let slowDown = try await ctx.stores.deviceFlowThrottling.shouldSlowDown(key: ctx.key("device"), interval: 5, expiration: F.at(ctx, 300))
            try expectEqual(slowDown, false, "first poll")
        },

        ConformanceCase("throttling.poll.second-too-fast") { ctx in
            let throttling = ctx.stores.deviceFlowThrottling
            _ = try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 5, expiration: F.at(ctx, 300))
            try await ctx.advance(by: 0.2)
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 5, expiration: F.at(ctx, 300)), true,
                            "second poll 0.2 s after the first with a 5 s interval")
        },

        ConformanceCase("throttling.poll.second-after-interval") { ctx in
            let throttling = ctx.stores.deviceFlowThrottling
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 0.3, expiration: F.at(ctx, 300)), false, "first poll")
            try await ctx.advance(by: 0.5)
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 0.3, expiration: F.at(ctx, 300)), false,
                            "second poll 0.5 s after the first with a 0.3 s interval")
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 0.3, expiration: F.at(ctx, 300)), true,
                            "third poll right after the second")
        },

        ConformanceCase("throttling.poll.too-fast-restarts-interval") { ctx in
            let throttling = ctx.stores.deviceFlowThrottling
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 0.5, expiration: F.at(ctx, 300)), false, "first poll")
            try await ctx.advance(by: 0.3)
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 0.5, expiration: F.at(ctx, 300)), true, "poll at 0.3 s")
            try await ctx.advance(by: 0.35)
            // 0.65 s after the first poll but only 0.35 s after the last one: every poll counts.
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 0.5, expiration: F.at(ctx, 300)), true,
                            "poll 0.35 s after a too-fast poll")
        },

        ConformanceCase("throttling.poll.expired-device-code") { ctx in
            let throttling = ctx.stores.deviceFlowThrottling
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 5, expiration: F.at(ctx, -10)), false,
                            "first poll of an already expired device code")
            try await ctx.advance(by: 0.2)
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device"), interval: 5, expiration: F.at(ctx, -10)), true,
                            "second poll of an expired device code (the record must not be stored with a past expiry)")
        },

        ConformanceCase("throttling.poll.keys-independent") { ctx in
            let throttling = ctx.stores.deviceFlowThrottling
            _ = try await throttling.shouldSlowDown(key: ctx.key("device-a"), interval: 5, expiration: F.at(ctx, 300))
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device-b"), interval: 5, expiration: F.at(ctx, 300)), false,
                            "first poll of another device code")
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("Device-a"), interval: 5, expiration: F.at(ctx, 300)), false,
                            "first poll of a device code differing only in case")
            try expectEqual(try await throttling.shouldSlowDown(key: ctx.key("device-a"), interval: 5, expiration: F.at(ctx, 300)), true,
                            "second poll of the first device code")
        },

        ConformanceCase("throttling.poll.race") { ctx in
            let keys = 16, tasks = 8
            for round in 0..<3 {
                let expiration = F.at(ctx, 300)
                let results = try await race(keys * tasks) { index in
                    try await ctx.stores.deviceFlowThrottling.shouldSlowDown(key: ctx.key("r\(round)-d\(index % keys)"), interval: 30, expiration: expiration)
                }
                for key in 0..<keys {
                    let allowed = (0..<(keys * tasks)).filter { $0 % keys == key && !results[$0] }
                    try expectEqual(allowed.count, 1, "round \(round), key \(key): concurrent first polls told not to slow down (\(allowed))")
                }
            }
        },

        ConformanceCase("throttling.input.invalid") { ctx in
            try await expectError(.invalidArgument, "shouldSlowDown with an empty key") {
                try await ctx.stores.deviceFlowThrottling.shouldSlowDown(key: "", interval: 5, expiration: F.at(ctx, 300))
            }
            try await expectError(.invalidArgument, "shouldSlowDown with a NUL byte in the key") {
                try await ctx.stores.deviceFlowThrottling.shouldSlowDown(key: ctx.key("a\u{0}b"), interval: 5, expiration: F.at(ctx, 300))
            }
        },
    ]
}
