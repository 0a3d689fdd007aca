import Foundation
import IdentityStorage

// Instants and intervals no store can hold (issue 23, item 8): each write gets `invalidArgument` naming the field and
// the accepted range (`IdentityStorageLimits.storedInstants`), stores nothing, and the store goes on working. Before,
// converting such a value to the stores' microsecond integer trapped and took the whole process down.

extension ConformanceSuite {
    /// The instant-range cases of this file and of InstantRangeEdgeCases.swift, in a stable order.
    static let instantRangeCases: [ConformanceCase] = instantOutOfRangeCases + instantRangeEdgeCases

    static let instantOutOfRangeCases: [ConformanceCase] = [
        ConformanceCase("grants.instant.out-of-range") { ctx in
            let store = ctx.stores.grants
            let valid = OpsKit.grant(ctx, ctx.key("g"), subjectId: ctx.key("sub"), consumedTime: ctx.now)
            for (what, instant) in InstantKit.outside(ctx) {
                let variants: [(String, (inout PersistedGrant) -> Void)] = [
                    ("creationTime", { $0.creationTime = instant }), ("expiration", { $0.expiration = instant }),
                    ("consumedTime", { $0.consumedTime = instant }),
                ]
                for (field, change) in variants {
                    var grant = valid
                    change(&grant)
                    try await InstantKit.expectRefused("grant \(field)", "storing a grant whose \(field) is \(what)",
                                                       undo: { try await store.removeGrant(forKey: grant.key) }) {
                        try await store.storeGrant(grant)
                    }
                }
            }
            try expectNil(try await store.grant(forKey: valid.key), "a grant whose every write was refused")
            try expectEqual(try await store.grants(matching: PersistedGrantFilter(subjectId: ctx.key("sub"))).count, 0,
                            "grants of the subject after refused writes")
            try await store.storeGrant(valid)
            try await OpsKit.expectStored(ctx, valid, "a valid grant stored after the refusals")
        },

        ConformanceCase("device-flow.instant.out-of-range") { ctx in
            let store = ctx.stores.deviceFlow
            let stored = OpsKit.device(ctx, "kept")
            try await store.storeDeviceAuthorization(stored)
            for (what, instant) in InstantKit.outside(ctx) {
                let variants: [(String, (inout DeviceAuthorization) -> Void)] = [
                    ("creationTime", { $0.creationTime = instant }), ("expiration", { $0.expiration = instant }),
                ]
                for (field, change) in variants {
                    var fresh = OpsKit.device(ctx, "fresh")
                    change(&fresh)
                    try await InstantKit.expectRefused("device \(field)", "storing a device authorization whose \(field) is \(what)",
                                                       undo: { try await store.removeDeviceAuthorization(forDeviceCode: fresh.deviceCode) }) {
                        try await store.storeDeviceAuthorization(fresh)
                    }
                    var update = stored
                    change(&update)
                    try await InstantKit.expectRefused("device \(field)", "updating a device authorization with a \(field) of \(what)",
                                                       undo: { try await store.removeDeviceAuthorization(forDeviceCode: stored.deviceCode) }) {
                        try await store.updateDeviceAuthorization(forUserCode: stored.userCode, with: update)
                    }
                }
            }
            let fresh = OpsKit.device(ctx, "fresh")
            try await OpsKit.expectDeviceAbsent(ctx, deviceCode: fresh.deviceCode, userCode: fresh.userCode, "a device authorization never stored")
            try await OpsKit.expectDeviceStored(ctx, stored, "the stored device authorization after refused updates")
        },

        ConformanceCase("sessions.instant.out-of-range") { ctx in
            let store = ctx.stores.sessions
            let stored = HousekeepingFixtures.session(ctx, "kept", expiresIn: 600)
            try await store.createSession(stored)
            for (what, instant) in InstantKit.outside(ctx) {
                let variants: [(String, (inout ServerSideSession) -> Void)] = [
                    ("created", { $0.created = instant }), ("renewed", { $0.renewed = instant }), ("expires", { $0.expires = instant }),
                ]
                for (field, change) in variants {
                    var fresh = HousekeepingFixtures.session(ctx, "fresh", expiresIn: 600)
                    change(&fresh)
                    try await InstantKit.expectRefused("session \(field)", "creating a session whose \(field) is \(what)",
                                                       undo: { try await store.deleteSession(forKey: fresh.key) }) {
                        try await store.createSession(fresh)
                    }
                    var update = stored
                    change(&update)
                    try await InstantKit.expectRefused("session \(field)", "updating a session with a \(field) of \(what)",
                                                       undo: { try await store.deleteSession(forKey: stored.key) }) {
                        try await store.updateSession(update)
                    }
                }
            }
            try expectNil(try await store.session(forKey: ctx.key("fresh")), "a session whose every write was refused")
            try OpsKit.expectSame(try await store.session(forKey: stored.key), stored, "the stored session after refused updates")
        },

        ConformanceCase("par.expiration.out-of-range") { ctx in
            let store = ctx.stores.pushedAuthorizationRequests
            for (what, instant) in InstantKit.outside(ctx) {
                var request = OpsKit.par(ctx, "bad")
                request.expiresAt = instant
                try await InstantKit.expectRefused("pushed authorization expiresAt", "storing a pushed authorization request expiring \(what)",
                                                   undo: { try await store.consumePushedAuthorizationRequest(forHash: request.referenceValueHash) }) {
                    try await store.storePushedAuthorizationRequest(request)
                }
            }
            try expectNil(try await store.pushedAuthorizationRequest(forHash: ctx.key("par.bad")), "a request whose every write was refused")
        },

        ConformanceCase("ciba.instant.out-of-range") { ctx in
            let store = ctx.stores.backchannelRequests
            let stored = OpsKit.ciba(ctx, "kept")
            try await store.storeBackchannelRequest(stored)
            for (what, instant) in InstantKit.outside(ctx) {
                var fresh = OpsKit.ciba(ctx, "fresh")
                fresh.creationTime = instant
                try await InstantKit.expectRefused("backchannel creationTime", "storing a backchannel request created \(what)",
                                                   undo: { try await store.removeBackchannelRequest(forInternalId: fresh.internalId) }) {
                    try await store.storeBackchannelRequest(fresh)
                }
                var update = stored
                update.creationTime = instant
                try await InstantKit.expectRefused("backchannel creationTime", "updating a backchannel request with a creationTime of \(what)",
                                                   undo: { try await store.removeBackchannelRequest(forInternalId: stored.internalId) }) {
                    try await store.updateBackchannelRequest(forInternalId: stored.internalId, with: update)
                }
            }
            // Stores keep the expiry (creationTime + lifetime) as an instant of its own: it must fit too.
            let endsLate: [(String, Date, Int)] = [("a lifetime of Int.max seconds", ctx.now, Int.max),
                                                   ("one second past the last accepted instant", InstantKit.last, 1)]
            for (what, created, lifetime) in endsLate {
                var fresh = OpsKit.ciba(ctx, "fresh")
                (fresh.creationTime, fresh.lifetime) = (created, lifetime)
                try await InstantKit.expectRefused("backchannel lifetime", "storing a backchannel request ending \(what)",
                                                   undo: { try await store.removeBackchannelRequest(forInternalId: fresh.internalId) }) {
                    try await store.storeBackchannelRequest(fresh)
                }
            }
            try expectNil(try await store.backchannelRequest(forInternalId: ctx.key("ciba.fresh")), "a request whose every write was refused")
            try OpsKit.expectSame(try await store.backchannelRequest(forInternalId: stored.internalId), stored,
                                  "the stored request after refused updates")
        },

        ConformanceCase("cache.expiration.out-of-range") { ctx in
            let cache = ctx.stores.cache
            var refused: [(String, String, CacheEntryOptions)] = InstantKit.outside(ctx).map { what, instant in
                ("cache absoluteExpiration", "an absolute expiration \(what)", .absolute(instant))
            }
            let pastLast = InstantKit.last.timeIntervalSince(ctx.now) + 1
            for (what, seconds) in [("1e15 s", 1e15), ("+infinity", TimeInterval.infinity), ("one second past the last accepted instant", pastLast)] {
                refused.append(("cache absoluteExpirationRelativeToNow", "a relative expiration of \(what)", .relative(seconds)))
                refused.append(("cache slidingExpiration", "a sliding expiration of \(what)", .sliding(seconds)))
            }
            refused.append(("cache slidingExpiration", "a valid absolute cap with a sliding expiration of 1e15 s",
                            CacheEntryOptions(absoluteExpiration: ctx.now.addingTimeInterval(60), slidingExpiration: 1e15)))
            let key = ctx.key("entry")
            let undo = { _ = try await cache.remove(key) }
            for (field, what, options) in refused {
                try await InstantKit.expectRefused(field, "set with \(what)", undo: undo) { try await cache.set(key, value: [1], options: options) }
                try await InstantKit.expectRefused(field, "add with \(what)", undo: undo) { try await cache.add(key, value: [2], options: options) }
                try await InstantKit.expectRefused(field, "getAndSet with \(what)", undo: undo) {
                    try await cache.getAndSet(key, value: [3], options: options)
                }
            }
            try expectNil(try await cache.get(key), "an entry whose every write was refused")
            // The last accepted instant is a valid expiry: the entry lives, reads back and is removed as live.
            try await cache.set(key, value: [4], options: .absolute(InstantKit.last))
            try expectEqual(try await cache.get(key), [4], "an entry expiring at the last accepted instant")
            try expect(try await cache.remove(key), "removing an entry expiring at the last accepted instant reports a live entry")
        },

        ConformanceCase("replay.expiration.out-of-range") { ctx in
            let replay = ctx.stores.replayCache
            let purpose = ctx.key("purpose")
            for (what, instant) in InstantKit.outside(ctx) {
                try await InstantKit.expectRefused("replay expiration", "tryAdd expiring \(what)") {
                    try await replay.tryAdd(purpose: purpose, handle: "jti", expiration: instant)
                }
                try await InstantKit.expectRefused("replay expiration", "add expiring \(what)") {
                    try await replay.add(purpose: purpose, handle: "jti", expiration: instant)
                }
            }
            try expect(!(try await replay.exists(purpose: purpose, handle: "jti")), "a handle whose every add was refused is not recorded")
            try expect(try await replay.tryAdd(purpose: purpose, handle: "jti", expiration: ctx.now.addingTimeInterval(60)),
                       "the first valid sighting after the refusals")
        },

        ConformanceCase("messages.created.out-of-range") { ctx in
            for (what, instant) in InstantKit.outside(ctx) {
                let message = AuthorizationParametersMessage(created: instant, parameters: ["client_id": [ctx.key("client")]])
                try await InstantKit.expectRefused("message created", "writing a message created \(what)") {
                    try await ctx.stores.authorizationParametersMessages.writeMessage(message)
                }
            }
        },

        ConformanceCase("throttling.expiration.out-of-range") { ctx in
            let key = ctx.key("device")
            for (what, instant) in InstantKit.outside(ctx) {
                try await InstantKit.expectRefused("throttling expiration", "a poll of a device code expiring \(what)") {
                    try await ctx.stores.deviceFlowThrottling.shouldSlowDown(key: key, interval: 5, expiration: instant)
                }
            }
            let first = try await ctx.stores.deviceFlowThrottling.shouldSlowDown(key: key, interval: 5, expiration: ctx.now.addingTimeInterval(300))
            try expect(!first, "the first valid poll after the refusals is not slowed down (the refused ones recorded nothing)")
        },

        ConformanceCase("clients.secret-expiration.out-of-range") { ctx in
            let id = ctx.key("client")
            for (what, instant) in InstantKit.outside(ctx) {
                var client = Client(clientId: id)
                client.clientSecrets = [Secret(value: "kept", expiration: ctx.now.addingTimeInterval(60)), Secret(value: "bad", expiration: instant)]
                try await InstantKit.expectRefused("clientSecrets.expiration", "saving a client with a secret expiring \(what)",
                                                   undo: { try await ctx.stores.clients.deleteClient(withId: id) }) {
                    try await ctx.stores.clients.saveClient(client)
                }
            }
            try expectNil(try await ctx.stores.clients.client(withId: id), "a client whose every save was refused")
        },

        ConformanceCase("resources.secret-expiration.out-of-range") { ctx in
            let name = ctx.key("api")
            for (what, instant) in InstantKit.outside(ctx) {
                var resource = ApiResource(name: name)
                resource.apiSecrets = [Secret(value: "bad", expiration: instant)]
                try await InstantKit.expectRefused("apiResource.apiSecrets.expiration", "saving an API resource with a secret expiring \(what)",
                                                   undo: { try await ctx.stores.resources.deleteApiResource(named: name) }) {
                    try await ctx.stores.resources.saveApiResource(resource)
                }
            }
            try expectEqual(try await ctx.stores.resources.apiResources(withNames: [name]).count, 0, "API resources whose every save was refused")
        },

        ConformanceCase("signing-keys.created.out-of-range") { ctx in
            let store = ctx.stores.signingKeys
            // Any threshold works: nothing may be stored, so the conditional store's decision never matters.
            let threshold = ConfigSupport.instant(ctx, 30 * ConfigSupport.year)
            for (index, (what, instant)) in InstantKit.outside(ctx).enumerated() {
                let key = ConfigSupport.signingKey(ctx, "k\(index)", created: instant)
                let undo = { _ = try await store.deleteKey(withId: key.id) }
                try await InstantKit.expectRefused("signing key created", "storing a key created \(what)", undo: undo) { try await store.storeKey(key) }
                try await InstantKit.expectRefused("signing key created", "conditionally storing a key created \(what)", undo: undo) {
                    try await store.storeKey(key, ifNoKeyCreatedAfter: threshold)
                }
            }
            let mine = try await ConfigSupport.myKeys(ctx)
            try await ConfigSupport.deleteMyKeys(ctx)
            try expectEqual(mine.map(\.id), [], "this case's keys after refused stores")
        },

        ConformanceCase("signing-keys.conditional.threshold-extremes") { ctx in
            // A threshold is only compared with, never stored: any instant but NaN is an answer. Holds the gate because a
            // conditional store that succeeds adds a key every other conditional case decides on.
            try await signingKeyGate.run {
                let store = ctx.stores.signingKeys
                do {
                    try await store.storeKey(ConfigSupport.signingKey(ctx, "existing"))
                    try await InstantKit.expectRefused("ifNoKeyCreatedAfter", "a NaN threshold", mentionsRange: false,
                                                       undo: { _ = try await store.deleteKey(withId: ctx.key("nan")) }) {
                        try await store.storeKey(ConfigSupport.signingKey(ctx, "nan"), ifNoKeyCreatedAfter: Date(timeIntervalSince1970: .nan))
                    }
                    let late: [(String, Date)] = [("+infinity", Date(timeIntervalSince1970: .infinity)), ("1e15 s from now", ctx.now.addingTimeInterval(1e15)),
                                                  ("the Date after the last accepted", InstantKit.afterLast)]
                    for (index, (what, threshold)) in late.enumerated() {
                        try expect(try await store.storeKey(ConfigSupport.signingKey(ctx, "late\(index)"), ifNoKeyCreatedAfter: threshold),
                                   "no key is created after a threshold of \(what)")
                    }
                    let early: [(String, Date)] = [("-infinity", Date(timeIntervalSince1970: -.infinity)), ("1e15 s ago", ctx.now.addingTimeInterval(-1e15)),
                                                   ("Date.distantPast", .distantPast), ("the Date before the first accepted", InstantKit.beforeFirst)]
                    for (index, (what, threshold)) in early.enumerated() {
                        try expect(!(try await store.storeKey(ConfigSupport.signingKey(ctx, "early\(index)"), ifNoKeyCreatedAfter: threshold)),
                                   "this case's key is created after a threshold of \(what)")
                    }
                    let mine = try await ConfigSupport.myKeys(ctx)
                    try expectEqual(Set(mine.map(\.id)), Set(["existing", "late0", "late1", "late2"].map(ctx.key)), "this case's keys")
                } catch {
                    try? await ConfigSupport.deleteMyKeys(ctx)
                    throw error
                }
                try await ConfigSupport.deleteMyKeys(ctx)
            }
        },

        ConformanceCase("cleanup.consumed.threshold-extremes") { ctx in
            // A "consumed before" threshold is only compared with: NaN is refused, and one before every stored instant
            // removes nothing. (A late one would remove every consumed grant of the store, so it is not tried here.)
            ctx.useIsolatedEpoch()
            try await HousekeepingFixtures.drainCleanup(ctx)
            let consumed = HousekeepingFixtures.grant(ctx, "consumed", expiresIn: 3600, consumedAgo: 60)
            try await ctx.stores.grants.storeGrant(consumed)
            try await InstantKit.expectRefused("consumedBefore", "a NaN threshold", mentionsRange: false) {
                try await ctx.stores.cleanup.removeConsumedGrants(consumedBefore: Date(timeIntervalSince1970: .nan), limit: 10)
            }
            let early: [(String, Date)] = [("-infinity", Date(timeIntervalSince1970: -.infinity)), ("1e15 s ago", ctx.now.addingTimeInterval(-1e15)),
                                           ("Date.distantPast", .distantPast), ("the Date before the first accepted", InstantKit.beforeFirst)]
            for (what, threshold) in early {
                try expectEqual(try await ctx.stores.cleanup.removeConsumedGrants(consumedBefore: threshold, limit: 10).map(\.key), [],
                                "grants consumed before \(what)")
            }
            try expectEqual(try await ctx.stores.grants.grant(forKey: consumed.key), consumed, "the consumed grant after those passes")
            try await ctx.stores.grants.removeGrant(forKey: consumed.key)
        },
    ]
}

/// The edges of the accepted range and instants outside it, for the instant-range cases.
enum InstantKit {
    /// The first instant a store accepts: 0001-01-01T00:00:00Z.
    static var first: Date { IdentityStorageLimits.storedInstants.lowerBound }
    /// The last instant a store accepts: the last `Date` before year 10000.
    static var last: Date { IdentityStorageLimits.storedInstants.upperBound }
    /// The `Date` just before ``first`` (about 8 µs before: a `Date` cannot hold one microsecond before it).
    static var beforeFirst: Date { Date(timeIntervalSinceReferenceDate: first.timeIntervalSinceReferenceDate.nextDown) }
    /// The `Date` just after ``last``: 10000-01-01T00:00:00Z.
    static var afterLast: Date { Date(timeIntervalSinceReferenceDate: last.timeIntervalSinceReferenceDate.nextUp) }

    /// Instants no store holds, each with the words failure messages name it by (a `Date` that far out cannot even
    /// describe itself).
    static func outside(_ ctx: ConformanceContext) -> [(String, Date)] {
        [("1e15 s from now", ctx.now.addingTimeInterval(1e15)), ("1e15 s ago", ctx.now.addingTimeInterval(-1e15)),
         ("at +infinity", Date(timeIntervalSince1970: .infinity)), ("at -infinity", Date(timeIntervalSince1970: -.infinity)),
         ("at NaN", Date(timeIntervalSince1970: .nan)), ("at Date.distantPast (before year 1)", .distantPast),
         ("just before the first accepted instant", beforeFirst), ("just after the last accepted instant", afterLast)]
    }

    /// Fails unless `body` throws `IdentityStorageError.Code.invalidArgument` whose message names `field`
    /// and (unless `mentionsRange` is false) the accepted range. When the store accepts the write instead, `undo` removes
    /// what it stored before the case fails: an instant its reads refuse would break every other case that lists or
    /// cleans up around it.
    static func expectRefused<T>(_ field: String, _ what: @autoclosure () -> String, mentionsRange: Bool = true,
                                 file: String = #fileID, line: Int = #line, undo: () async throws -> Void = {},
                                 _ body: () async throws -> T) async throws {
        do {
            _ = try await body()
            try? await undo()
        } catch let error as IdentityStorageError {
            try expectEqual(error.code, .invalidArgument, "\(what()): error code (\(error.message))", file: file, line: line)
            try expect(error.message.contains(field), "\(what()): the message names \(field): \(error.message)", file: file, line: line)
            if mentionsRange {
                try expect(error.message.contains(IdentityStorageLimits.storedInstantRangeText),
                           "\(what()): the message names the accepted range: \(error.message)", file: file, line: line)
            }
            return
        }
        throw ConformanceFailure("\(what()): expected error 'invalid argument', got success", file: file, line: line)
    }
}
