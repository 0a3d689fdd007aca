import Foundation
import IdentityStorage

// Signing keys and the key ring are global: they are not namespaced by the case's key prefix.
// Signing-key cases use ids under the case's namespace and filter `loadKeys()` by it. The conditional
// store decides on every key in the table, so those cases place their thresholds and keys in disjoint
// stretches of time (see `signingKeyConditionalCases`). Key-ring cases run one at a time behind
// `ConformanceSuite.keyRingGate` and compare the whole ring before and after.

extension ConfigSupport {
    static let year: TimeInterval = 365 * 24 * 3600

    /// A signing key under the case's namespace.
    static func signingKey(_ ctx: ConformanceContext, _ name: String, created: Date? = nil, data: String? = nil) -> SerializedKey {
        SerializedKey(id: ctx.key(name), version: 1, created: created ?? instant(ctx, -0.123456), algorithm: "RS256",
                      isX509Certificate: false,
                      data: data ?? "{\"kid\":\"\(ctx.key(name))\",\"d\":\"\(payload(bytes: 256, seed: UInt64(name.utf8.count)))\"}",
                      dataProtected: true)
    }

    /// This case's keys in `loadKeys()`, in store order.
    static func myKeys(_ ctx: ConformanceContext, prefix: String = "") async throws -> [SerializedKey] {
        try await ctx.stores.signingKeys.loadKeys().filter { $0.id.hasPrefix(ctx.key(prefix)) }
    }

    /// Deletes this case's keys (signing keys are global; later cases must not see them).
    static func deleteMyKeys(_ ctx: ConformanceContext) async throws {
        for key in try await myKeys(ctx) { try await ctx.stores.signingKeys.deleteKey(withId: key.id) }
    }

    /// Compares keys field by field, data by bytes, without dumping megabytes into the message.
    static func expectSameKey(_ actual: SerializedKey?, _ expected: SerializedKey, _ what: String,
                              file: String = #fileID, line: Int = #line) throws {
        let actual = try expectValue(actual, what, file: file, line: line)
        try expectSameBytes(actual.id, expected.id, "\(what): id", file: file, line: line)
        try expectEqual(actual.version, expected.version, "\(what): version", file: file, line: line)
        try expectEqual(actual.created, expected.created, "\(what): created", file: file, line: line)
        try expectSameBytes(actual.algorithm, expected.algorithm, "\(what): algorithm", file: file, line: line)
        try expectEqual(actual.isX509Certificate, expected.isX509Certificate, "\(what): isX509Certificate", file: file, line: line)
        try expectEqual(actual.dataProtected, expected.dataProtected, "\(what): dataProtected", file: file, line: line)
        try expectSameBytes(actual.data, expected.data, "\(what): data", file: file, line: line)
    }

    /// Key-ring XML naming the case, so its elements are recognisable.
    static func keyXml(_ ctx: ConformanceContext, _ name: String) -> String {
        "<key id=\"\(ctx.key(name))\" version=\"1\"><creationDate>2025-01-01T00:00:00Z</creationDate></key>"
    }

    /// The newest element's id (nil for an empty ring).
    static func latestId(_ ring: [KeyRingElement]) -> Int64? {
        ring.map(\.id).max()
    }

    /// Fails unless ring `actual` is `expected` element for element, XML compared by bytes.
    static func expectSameRing(_ actual: [KeyRingElement], _ expected: [KeyRingElement], _ what: String,
                               file: String = #fileID, line: Int = #line) throws {
        try expectEqual(actual.map(\.id), expected.map(\.id), "\(what): element ids in order", file: file, line: line)
        for (a, e) in zip(actual, expected) {
            try expectSameBytes(a.friendlyName, e.friendlyName, "\(what): friendly name of element \(e.id)", file: file, line: line)
            try expectSameBytes(a.xml, e.xml, "\(what): XML of element \(e.id)", file: file, line: line)
        }
    }

    /// Fails unless the ids of `ring` strictly increase (insertion order is id order).
    static func expectIncreasingIds(_ ring: [KeyRingElement], _ what: String, file: String = #fileID, line: Int = #line) throws {
        let ids = ring.map(\.id)
        try expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "\(what): ids are not strictly increasing: \(ids.suffix(20))",
                   file: file, line: line)
    }
}

// MARK: - Signing keys

extension ConformanceSuite {
    static let signingKeyBasicCases: [ConformanceCase] = [
        ConformanceCase("signing-keys.load.round-trips-byte-exact") { ctx in
            let store = ctx.stores.signingKeys
            let big = SerializedKey(id: ctx.key("big"), version: 2, created: ConfigSupport.instant(ctx, -86_400.654321), algorithm: "PS512",
                                    isX509Certificate: true, data: ConfigSupport.payload(bytes: 1_048_576, seed: 42), dataProtected: false)
            let unicode = SerializedKey(id: ctx.key("kid-é-🔑"), version: 0, created: ConfigSupport.instant(ctx, 0.000001),
                                        algorithm: "ES256", isX509Certificate: false,
                                        data: "{\"note\":\"\(ConfigSupport.unicode)\"}\r\n\t  ", dataProtected: true)
            let plain = ConfigSupport.signingKey(ctx, "plain")
            let emptyData = SerializedKey(id: ctx.key("empty-data"), created: ConfigSupport.instant(ctx, -5), algorithm: "RS256", data: "")
            let keys = [big, unicode, plain, emptyData]
            for key in keys { try await store.storeKey(key) }
            let all = try await store.loadKeys()
            try expect(ConfigSupport.strictlyIncreasingBytes(all.map(\.id)), "loadKeys is not in strictly increasing byte order of id")
            let mine = all.filter { $0.id.hasPrefix(ctx.namespace) }
            let expected = ConfigSupport.byName(keys, \.id)
            try expectEqual(mine.map(\.id), expected.map(\.id), "this case's key ids in loadKeys")
            for (loaded, key) in zip(mine, expected) {
                try ConfigSupport.expectSameKey(loaded, key, "loaded key \(key.id)")
            }
            try await ConfigSupport.deleteMyKeys(ctx)
        },

        ConformanceCase("signing-keys.store.duplicate-id-rejected") { ctx in
            let store = ctx.stores.signingKeys
            let original = ConfigSupport.signingKey(ctx, "dup")
            try await store.storeKey(original)
            let other = SerializedKey(id: original.id, version: 9, created: ConfigSupport.instant(ctx, -100), algorithm: "ES512",
                                      isX509Certificate: true, data: "other data", dataProtected: false)
            try await expectError(.duplicate, "storing a second key with the same id") { try await store.storeKey(other) }
            try await expectError(.duplicate, "storing the same key again") { try await store.storeKey(original) }
            let mine = try await ConfigSupport.myKeys(ctx)
            try expectEqual(mine.count, 1, "this case's keys after duplicate stores")
            try ConfigSupport.expectSameKey(mine.first, original, "key after duplicate stores")
            try await ConfigSupport.deleteMyKeys(ctx)
        },

        ConformanceCase("signing-keys.id.case-sensitive") { ctx in
            let store = ctx.stores.signingKeys
            let names = ["kid", "KID", "kid ", "caf\u{E9}", "cafe\u{301}"]
            let keys = names.enumerated().map { ConfigSupport.signingKey(ctx, $1, data: "data \($0)") }
            for key in keys { try await store.storeKey(key) }
            let mine = try await ConfigSupport.myKeys(ctx)
            try expectEqual(mine.count, keys.count, "keys whose ids differ only in case, trailing space or normalisation (each stored)")
            for key in keys {
                let loaded = mine.first { $0.id.exactlyEquals(key.id) }
                try ConfigSupport.expectSameKey(loaded, key, "key '\(key.id)'")
            }
            try expect(try await store.deleteKey(withId: ctx.key("KID")), "deleting KID")
            try expect(!(try await store.deleteKey(withId: ctx.key("Kid"))), "deleting Kid (never stored) returns false")
            let left = try await ConfigSupport.myKeys(ctx)
            try expectEqual(left.count, keys.count - 1, "keys after deleting KID")
            try expect(!left.contains { $0.id.exactlyEquals(ctx.key("KID")) }, "KID is gone")
            try expect(left.contains { $0.id.exactlyEquals(ctx.key("kid")) }, "kid survives deleting KID")
            try await ConfigSupport.deleteMyKeys(ctx)
        },

        ConformanceCase("signing-keys.delete.removes") { ctx in
            let store = ctx.stores.signingKeys
            let gone = ConfigSupport.signingKey(ctx, "gone")
            let kept = ConfigSupport.signingKey(ctx, "kept")
            try await store.storeKey(gone)
            try await store.storeKey(kept)
            try expect(try await store.deleteKey(withId: gone.id), "deleting an existing key returns true")
            let mine = try await ConfigSupport.myKeys(ctx)
            try expectEqual(mine.map(\.id), [kept.id], "this case's keys after the delete")
            try ConfigSupport.expectSameKey(mine.first, kept, "kept key")
            try expect(!(try await store.deleteKey(withId: gone.id)), "deleting it again returns false")
            try await store.storeKey(gone)
            try expectEqual(try await ConfigSupport.myKeys(ctx).count, 2, "a deleted id can be stored again")
            try await ConfigSupport.deleteMyKeys(ctx)
            try expectEqual(try await ConfigSupport.myKeys(ctx).count, 0, "this case's keys after deleting all")
        },

        ConformanceCase("signing-keys.delete.missing-is-false") { ctx in
            try expect(!(try await ctx.stores.signingKeys.deleteKey(withId: ctx.key("never-stored"))), "deleting a missing key returns false")
        },

        ConformanceCase("signing-keys.store.bad-input-rejected") { ctx in
            let store = ctx.stores.signingKeys
            let prior = ConfigSupport.signingKey(ctx, "prior")
            try await store.storeKey(prior)
            let tooLong = ConfigSupport.key(ctx, bytes: IdentityStorageLimits.maxKeyBytes + 1)
            var invalid: [(String, SerializedKey)] = []
            var k = ConfigSupport.signingKey(ctx, "x"); k.id = ""; invalid.append(("an empty id", k))
            k = ConfigSupport.signingKey(ctx, "x"); k.id = ctx.key("a\0b"); invalid.append(("NUL in the id", k))
            k = ConfigSupport.signingKey(ctx, "x"); k.id = tooLong; invalid.append(("a 201-byte id", k))
            k = ConfigSupport.signingKey(ctx, "x"); k.algorithm = ""; invalid.append(("an empty algorithm", k))
            k = ConfigSupport.signingKey(ctx, "x"); k.data = "{\"d\":\"\0\"}"; invalid.append(("NUL in the data", k))
            // Any threshold works: nothing may be stored, so the conditional store's decision never matters.
            let threshold = ConfigSupport.instant(ctx, 30 * ConfigSupport.year)
            for (what, key) in invalid {
                try await expectError(.invalidArgument, "storing a key with \(what)") { try await store.storeKey(key) }
                try await expectError(.invalidArgument, "conditionally storing a key with \(what)") {
                    try await store.storeKey(key, ifNoKeyCreatedAfter: threshold)
                }
            }
            var huge = ConfigSupport.signingKey(ctx, "huge")
            huge.data = String(repeating: "A", count: IdentityStorageLimits.maxPayloadBytes + 1)
            try await expectError(.tooLarge, "storing a key with 8 MiB + 1 byte of data") { try await store.storeKey(huge) }
            try await expectError(.tooLarge, "conditionally storing a key with 8 MiB + 1 byte of data") {
                try await store.storeKey(huge, ifNoKeyCreatedAfter: threshold)
            }
            let mine = try await ConfigSupport.myKeys(ctx)
            try expectEqual(mine.map(\.id), [prior.id], "this case's keys after rejected stores")
            try ConfigSupport.expectSameKey(mine.first, prior, "earlier key after rejected stores")
            try await ConfigSupport.deleteMyKeys(ctx)
        },
    ]

    // Time layout for the conditional cases (they run concurrently with every other signing-key case, whose keys
    // are all created within seconds of now; the two that need "no newer key" hold `signingKeyGate`):
    //   * refuses-when-newer-exists keeps its keys far in the past (now - 1000 days): it never disturbs anyone,
    //     and its own expectation (refusal) holds whatever else is stored;
    //   * race uses thresholds from now + 10 years (or the newest stored creation time, if later) and keys a
    //     millisecond after them; a round that nobody wins is retried only if the stored keys changed meanwhile
    //     (another run of the suite on the same database from another process);
    //   * stores-when-none-newer uses the threshold now + 20 years (or the newest stored creation time, if later),
    //     later than every key anyone stores, and stores a key created now (below the race's thresholds).
    static let signingKeyConditionalCases: [ConformanceCase] = [
        ConformanceCase("signing-keys.conditional.stores-when-none-newer") { ctx in
            try await signingKeyGate.run {
                let store = ctx.stores.signingKeys
                // Later than every key any case stores (the race stays near now + 10 years), and than any key left behind.
                let newest = try await store.loadKeys().map(\.created).max()
                let threshold = max(ConfigSupport.instant(ctx, 20 * ConfigSupport.year), newest ?? .distantPast)
                let key = ConfigSupport.signingKey(ctx, "new")
                try expect(try await store.storeKey(key, ifNoKeyCreatedAfter: threshold),
                           "conditional store when no key is newer than the threshold returns true")
                let mine = try await ConfigSupport.myKeys(ctx)
                try expectEqual(mine.count, 1, "this case's keys after the conditional store")
                try ConfigSupport.expectSameKey(mine.first, key, "conditionally stored key")
                try await ConfigSupport.deleteMyKeys(ctx)
            }
        },

        ConformanceCase("signing-keys.conditional.refuses-when-newer-exists") { ctx in
            let store = ctx.stores.signingKeys
            let existing = ConfigSupport.signingKey(ctx, "existing", created: ConfigSupport.instant(ctx, -1000 * 86_400))
            try await store.storeKey(existing)
            let candidate = ConfigSupport.signingKey(ctx, "candidate")
            let older = ConfigSupport.instant(ctx, -2000 * 86_400)
            try expect(!(try await store.storeKey(candidate, ifNoKeyCreatedAfter: older)),
                       "conditional store when a key was created after the threshold returns false")
            let justBefore = Date(microsecondsSince1970: existing.created.microsecondsSince1970 - 1)
            try expect(!(try await store.storeKey(candidate, ifNoKeyCreatedAfter: justBefore)),
                       "conditional store with a threshold one microsecond before an existing key's creation returns false")
            let mine = try await ConfigSupport.myKeys(ctx)
            try expectEqual(mine.map(\.id), [existing.id], "this case's keys after refused conditional stores (nothing stored)")
            try ConfigSupport.expectSameKey(mine.first, existing, "existing key after refused conditional stores")
            try await ConfigSupport.deleteMyKeys(ctx)
        },

        ConformanceCase("signing-keys.conditional.race") { ctx in
            try await signingKeyGate.run {
                let store = ctx.stores.signingKeys
                let tasks = 48
                let base = ConfigSupport.instant(ctx, 10 * ConfigSupport.year)
                var winners: [SerializedKey] = []
                var attempts = 0
                while winners.count < 3 {
                    let round = winners.count
                    attempts += 1
                    try expect(attempts <= 8, "no round without foreign interference after \(attempts - 1) attempts (\(round) rounds done)")
                    // The threshold is the newest creation time stored (normally the previous round's winner, exactly:
                    // a key created AT the threshold is not "created after" it and must not block), or now + 10 years.
                    let keysBefore = try await store.loadKeys()
                    let newest = keysBefore.map(\.created).max()
                    let threshold = max(base, newest ?? base)
                    let candidates = (0..<tasks).map { i in
                        ConfigSupport.signingKey(ctx, "race\(attempts).\(i)",
                                                 created: Date(microsecondsSince1970: threshold.microsecondsSince1970 + 1_000 + Int64(i)))
                    }
                    let results = try await race(tasks) { i in
                        try await store.storeKey(candidates[i], ifNoKeyCreatedAfter: threshold)
                    }
                    let winnerIndexes = results.indices.filter { results[$0] }
                    let stored = try await ConfigSupport.myKeys(ctx, prefix: "race\(attempts).")
                    if winnerIndexes.isEmpty {
                        // Legitimate only if someone else wrote keys meanwhile (another run of the suite on the same
                        // database, in another process: runs in this process are serialised by the gate).
                        try expectEqual(stored.count, 0, "round \(round): keys stored although every conditional store returned false")
                        let keysAfter = try await store.loadKeys()
                        let newer = keysAfter.contains { $0.created > threshold }
                        let changed = keysAfter.map(\.id) != keysBefore.map(\.id)
                        try expect(newer || changed, "round \(round): every conditional store returned false, yet no key is newer than the threshold")
                        continue
                    }
                    try expectEqual(winnerIndexes.count, 1, "round \(round): number of tasks whose conditional store returned true")
                    let winner = candidates[winnerIndexes[0]]
                    try expectEqual(stored.map(\.id), [winner.id], "round \(round): keys stored by the race")
                    try ConfigSupport.expectSameKey(stored.first, winner, "round \(round): winning key")
                    winners.append(winner)
                }
                let mine = try await ConfigSupport.myKeys(ctx)
                try expectEqual(mine.map(\.id), ConfigSupport.byName(winners, \.id).map(\.id), "this case's keys after three rounds")
                try await ConfigSupport.deleteMyKeys(ctx)
            }
        },
    ]
}

// MARK: - Key ring

extension ConformanceSuite {
    static let keyRingBasicCases: [ConformanceCase] = [
        ConformanceCase("key-ring.store.appends-in-order") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let before = try await ring.allElements()
                try ConfigSupport.expectIncreasingIds(before, "ring before the case")
                var stored: [KeyRingElement] = []
                for i in 0..<6 {
                    let xml = ConfigSupport.keyXml(ctx, "order\(i)")
                    let name: String? = i % 2 == 0 ? ctx.key("name\(i)") : nil
                    let element = try await ring.storeElement(xml: xml, friendlyName: name)
                    try ConfigSupport.expectSameBytes(element.xml, xml, "returned element \(i): XML")
                    try ConfigSupport.expectSameBytes(element.friendlyName, name, "returned element \(i): friendly name")
                    if let last = stored.last ?? before.last {
                        try expect(element.id > last.id, "element \(i) got id \(element.id), not greater than the previous newest \(last.id)")
                    }
                    stored.append(element)
                }
                let after = try await ring.allElements()
                try ConfigSupport.expectSameRing(after, before + stored, "ring after six appends (earlier elements, then ours in order)")
                try expectEqual(try await ring.deleteElements(withIds: stored.map(\.id)), stored.count, "deleting this case's elements")
                try ConfigSupport.expectSameRing(try await ring.allElements(), before, "ring after cleanup")
            }
        },

        ConformanceCase("key-ring.store.friendly-name-round-trips") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let before = try await ring.allElements()
                let names: [String?] = [nil, "", " ", ctx.key("key-6a0f1e2c"), "名前 " + ConfigSupport.unicode,
                                        ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes)]
                var stored: [KeyRingElement] = []
                for (i, name) in names.enumerated() {
                    stored.append(try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "fn\(i)"), friendlyName: name))
                }
                for (element, name) in zip(stored, names) {
                    try ConfigSupport.expectSameBytes(element.friendlyName, name, "returned friendly name of element \(element.id)")
                }
                let after = try await ring.allElements()
                try ConfigSupport.expectSameRing(after, before + stored, "ring with friendly names nil, empty, blank, set, Unicode, 4000 bytes")
                try expectEqual(try await ring.deleteElements(withIds: stored.map(\.id)), stored.count, "deleting this case's elements")
                try ConfigSupport.expectSameRing(try await ring.allElements(), before, "ring after cleanup")
            }
        },

        ConformanceCase("key-ring.store.xml-byte-exact") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let before = try await ring.allElements()
                let id = ctx.key("exact")
                let documents = [
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<key id=\"\(id)\" version='1' xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
                        + "\t<creationDate>2025-01-01T00:00:00.1234567Z</creationDate>\n"
                        + "  <descriptor deserializerType=\"Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=9.0.0.0\">\n"
                        + "    <descriptor xmlns:p=\"urn:x\"><p:encryption algorithm='AES_256_CBC'   /><masterKey p4:requiresEncryption=\"true\" xmlns:p4=\"http://schemas.asp.net/2015/03/dataProtection\">"
                        + "<!-- Warning: the key below is in an unencrypted form. --><value>AAECAwQFBgcICQoLDA0ODw==</value></masterKey></descriptor>\n"
                        + "  </descriptor>\n<![CDATA[ <not-an-element> & ]]> &amp;&lt;&#x1F511;&#128273; \(ConfigSupport.unicode)   \n</key>  \n\n",
                    "<revocation version=\"1\"><revocationDate>2025-02-02T00:00:00Z</revocationDate><key id=\"\(id)\"/><reason>rotated</reason></revocation>",
                    "<a/>",
                    " \t<key id=\"\(id)\"  a = \"1\" b='2'\t/> ",
                ]
                var stored: [KeyRingElement] = []
                for (i, xml) in documents.enumerated() {
                    let element = try await ring.storeElement(xml: xml, friendlyName: ctx.key("doc\(i)"))
                    try ConfigSupport.expectSameBytes(element.xml, xml, "returned XML of document \(i)")
                    stored.append(element)
                }
                try ConfigSupport.expectSameRing(try await ring.allElements(), before + stored,
                                                 "ring with XML documents (declaration, namespaces, attributes, whitespace, CDATA, entities, Unicode)")
                try expectEqual(try await ring.deleteElements(withIds: stored.map(\.id)), stored.count, "deleting this case's elements")
            }
        },

        ConformanceCase("key-ring.store.one-megabyte") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let before = try await ring.allElements()
                let xml = "<key id=\"\(ctx.key("big"))\"><value>" + ConfigSupport.payload(bytes: 1_048_576, seed: 7) + "</value></key>"
                let element = try await ring.storeElement(xml: xml, friendlyName: ctx.key("big"))
                try ConfigSupport.expectSameBytes(element.xml, xml, "returned 1 MB XML")
                let after = try await ring.allElements()
                try ConfigSupport.expectSameRing(after, before + [element], "ring with a 1 MB element")
                try expectEqual(try await ring.deleteElements(withIds: [element.id]), 1, "deleting the 1 MB element")
            }
        },

        ConformanceCase("key-ring.delete.returns-count") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let before = try await ring.allElements()
                var stored: [KeyRingElement] = []
                for i in 0..<4 {
                    stored.append(try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "del\(i)"), friendlyName: nil))
                }
                let unknown = (ConfigSupport.latestId(stored) ?? 0) + 1_000_000
                let deleted = try await ring.deleteElements(withIds: [stored[1].id, unknown, stored[3].id, stored[1].id, -1])
                try expectEqual(deleted, 2, "count for two existing ids (one repeated), an unknown id and a negative id")
                try ConfigSupport.expectSameRing(try await ring.allElements(), before + [stored[0], stored[2]], "ring after deleting two elements")
                try expectEqual(try await ring.deleteElements(withIds: [stored[1].id, stored[3].id]), 0, "deleting the same ids again")
                try expectEqual(try await ring.deleteElements(withIds: []), 0, "deleting no ids")
                try expectEqual(try await ring.deleteElements(withIds: [unknown]), 0, "deleting only an unknown id")
                try ConfigSupport.expectSameRing(try await ring.allElements(), before + [stored[0], stored[2]], "ring after deletes that matched nothing")
                try expectEqual(try await ring.deleteElements(withIds: [stored[0].id, stored[2].id]), 2, "deleting the rest of this case's elements")
                try ConfigSupport.expectSameRing(try await ring.allElements(), before, "ring after cleanup")
            }
        },

        ConformanceCase("key-ring.ids.never-reused") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let first = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "first"), friendlyName: nil)
                let second = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "second"), friendlyName: nil)
                try expectEqual(try await ring.deleteElements(withIds: [second.id]), 1, "deleting the newest element")
                let third = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "third"), friendlyName: nil)
                try expect(third.id > second.id, "element appended after deleting the newest got id \(third.id), not greater than the deleted \(second.id)")
                try expectEqual(try await ring.deleteElements(withIds: [first.id, third.id]), 2, "deleting this case's elements")
                let fourth = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "fourth"), friendlyName: nil)
                try expect(fourth.id > third.id, "element appended after deleting all of this case's got id \(fourth.id), not greater than \(third.id)")
                try expectEqual(try await ring.deleteElements(withIds: [fourth.id]), 1, "deleting the last element")
            }
        },

        ConformanceCase("key-ring.store.bad-input-rejected") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let prior = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "prior"), friendlyName: ctx.key("prior"))
                let before = try await ring.allElements()
                let latest = ConfigSupport.latestId(before)
                let invalid: [(String, String, String?)] = [
                    ("empty XML", "", nil),
                    ("NUL in the XML", "<key id=\"\(ctx.key("nul"))\">\0</key>", nil),
                    ("NUL in the friendly name", ConfigSupport.keyXml(ctx, "nul-name"), "name\0"),
                ]
                for (what, xml, name) in invalid {
                    try await expectError(.invalidArgument, "storing an element with \(what)") {
                        try await ring.storeElement(xml: xml, friendlyName: name)
                    }
                    try await expectError(.invalidArgument, "conditionally storing an element with \(what) (latest id given)") {
                        try await ring.storeElement(xml: xml, friendlyName: name, ifLatestIdIs: latest)
                    }
                }
                let longName = ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
                try await expectError(.tooLarge, "storing an element with a 4001-byte friendly name") {
                    try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "long-name"), friendlyName: longName)
                }
                let hugeXml = "<key>" + String(repeating: "A", count: IdentityStorageLimits.maxPayloadBytes) + "</key>"
                try await expectError(.tooLarge, "storing an element with more than 8 MiB of XML") {
                    try await ring.storeElement(xml: hugeXml, friendlyName: nil)
                }
                try await expectError(.tooLarge, "conditionally storing an element with more than 8 MiB of XML") {
                    try await ring.storeElement(xml: hugeXml, friendlyName: nil, ifLatestIdIs: latest)
                }
                try ConfigSupport.expectSameRing(try await ring.allElements(), before, "ring after rejected stores")
                try expectEqual(try await ring.deleteElements(withIds: [prior.id]), 1, "deleting this case's element")
            }
        },
    ]

    static let keyRingConditionalCases: [ConformanceCase] = [
        ConformanceCase("key-ring.conditional.succeeds-with-latest-id") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let before = try await ring.allElements()
                let latest = ConfigSupport.latestId(before)
                let xml = ConfigSupport.keyXml(ctx, "conditional")
                let stored = try expectValue(try await ring.storeElement(xml: xml, friendlyName: ctx.key("c1"), ifLatestIdIs: latest),
                                             "conditional append with the current latest id \(latest.map(String.init) ?? "nil")")
                if let latest { try expect(stored.id > latest, "new element's id \(stored.id) is not greater than the latest \(latest)") }
                try ConfigSupport.expectSameBytes(stored.xml, xml, "returned XML")
                try ConfigSupport.expectSameBytes(stored.friendlyName, ctx.key("c1"), "returned friendly name")
                let next = try expectValue(try await ring.storeElement(xml: xml + " ", friendlyName: nil, ifLatestIdIs: stored.id),
                                           "second conditional append with the id just returned")
                try ConfigSupport.expectSameRing(try await ring.allElements(), before + [stored, next], "ring after two conditional appends")
                try expectEqual(try await ring.deleteElements(withIds: [stored.id, next.id]), 2, "deleting this case's elements")
            }
        },

        ConformanceCase("key-ring.conditional.stale-id-refused") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let stale = ConfigSupport.latestId(try await ring.allElements())
                let first = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "first"), friendlyName: nil)
                let newest = try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "newest"), friendlyName: nil)
                let before = try await ring.allElements()
                let xml = ConfigSupport.keyXml(ctx, "refused")
                let attempts: [(String, Int64?)] = [
                    ("the latest id read before two appends", stale),
                    ("nil (empty ring) while the ring holds elements", nil),
                    ("an existing id that is not the newest", first.id),
                    ("an id greater than the newest", newest.id + 1),
                ]
                for (what, expected) in attempts where expected != newest.id {
                    try expectNil(try await ring.storeElement(xml: xml, friendlyName: ctx.key("refused"), ifLatestIdIs: expected),
                                  "conditional append expecting \(what)")
                }
                try ConfigSupport.expectSameRing(try await ring.allElements(), before, "ring after refused conditional appends (nothing stored)")
                try expectEqual(try await ring.deleteElements(withIds: [first.id, newest.id]), 2, "deleting this case's elements")
            }
        },

        ConformanceCase("key-ring.conditional.race") { ctx in
            try await keyRingGate.run {
                let ring = ctx.stores.keyRing
                let tasks = 64
                var mine: [KeyRingElement] = []
                for round in 0..<3 {
                    let before = try await ring.allElements()
                    let latest = ConfigSupport.latestId(before)
                    let results = try await race(tasks) { i in
                        try await ring.storeElement(xml: ConfigSupport.keyXml(ctx, "race\(round).\(i)"), friendlyName: "\(round).\(i)",
                                                    ifLatestIdIs: latest)
                    }
                    let winners = results.compactMap { $0 }
                    try expectEqual(winners.count, 1, "round \(round): number of tasks whose conditional append succeeded")
                    try ConfigSupport.expectSameRing(try await ring.allElements(), before + winners, "round \(round): ring after the race")
                    mine += winners
                }
                try expectEqual(try await ring.deleteElements(withIds: mine.map(\.id)), mine.count, "deleting this case's elements")
            }
        },
    ]
}
