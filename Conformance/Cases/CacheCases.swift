import Foundation
import IdentityStorage

private typealias F = HousekeepingFixtures

extension ConformanceSuite {
    // MARK: basic reads and writes

    static let cacheBasicCases: [ConformanceCase] = [
        ConformanceCase("cache.get.missing") { ctx in
            try expectNil(try await ctx.stores.cache.get(ctx.key("missing")), "get of a key never set")
        },

        ConformanceCase("cache.set.round-trip") { ctx in
            let value = F.bytes("value ✓")
            try await ctx.stores.cache.set(ctx.key("k"), value: value, options: .none)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), value, "value read back")
        },

        ConformanceCase("cache.set.empty-value") { ctx in
            try await ctx.stores.cache.set(ctx.key("empty"), value: [], options: .none)
            let read = try await ctx.stores.cache.get(ctx.key("empty"))
            try expectEqual(read, [UInt8](), "an empty value (not missing)")
        },

        ConformanceCase("cache.set.binary-value") { ctx in
            let value: [UInt8] = [0, 0, 1, 0] + Array(0...255) + [0xFF, 0xC3, 0x28, 0x00, 0x80, 0]
            try await ctx.stores.cache.set(ctx.key("bin"), value: value, options: .none)
            let read = try await ctx.stores.cache.get(ctx.key("bin"))
            try expect(read == value, "binary value with NUL bytes and invalid UTF-8 differs: got \(F.show(read))")
        },

        ConformanceCase("cache.set.large-value") { ctx in
            let value = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try await ctx.stores.cache.set(ctx.key("big"), value: value, options: .none)
            let read = try await ctx.stores.cache.get(ctx.key("big"))
            try expect(read == value, "1 MiB value differs: got \(F.show(read))")
        },

        ConformanceCase("cache.set.value-at-limit") { ctx in
            let value = [UInt8](repeating: 0x61, count: IdentityStorageLimits.maxPayloadBytes)
            try await ctx.stores.cache.set(ctx.key("limit"), value: value, options: .relative(60))
            let read = try await ctx.stores.cache.get(ctx.key("limit"))
            try expect(read == value, "8 MiB value differs: got \(F.show(read))")
            try expectEqual(try await ctx.stores.cache.remove(ctx.key("limit")), true, "remove the 8 MiB entry")
        },

        ConformanceCase("cache.key.case-sensitive") { ctx in
            try await ctx.stores.cache.set(ctx.key("Key"), value: F.bytes("upper"), options: .none)
            try await ctx.stores.cache.set(ctx.key("key"), value: F.bytes("lower"), options: .none)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("Key")), F.bytes("upper"), "value of 'Key'")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("key")), F.bytes("lower"), "value of 'key'")
            try expectNil(try await ctx.stores.cache.get(ctx.key("KEY")), "value of 'KEY' (never set)")
        },

        ConformanceCase("cache.key.trailing-space") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("plain"), options: .none)
            try await ctx.stores.cache.set(ctx.key("k "), value: F.bytes("trailing"), options: .none)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("plain"), "value of 'k'")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k ")), F.bytes("trailing"), "value of 'k ' (trailing space)")
            try expectNil(try await ctx.stores.cache.get(ctx.key("k  ")), "value of 'k  ' (never set)")
            try expectEqual(try await ctx.stores.cache.remove(ctx.key("k ")), true, "remove 'k '")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("plain"), "value of 'k' after removing 'k '")
        },

        ConformanceCase("cache.key.unicode-exact") { ctx in
            let nfc = ctx.key("caf\u{E9}"), nfd = ctx.key("cafe\u{301}")
            try await ctx.stores.cache.set(nfc, value: F.bytes("nfc"), options: .none)
            try await ctx.stores.cache.set(nfd, value: F.bytes("nfd"), options: .none)
            try expectEqual(try await ctx.stores.cache.get(nfc), F.bytes("nfc"), "value under the NFC key")
            try expectEqual(try await ctx.stores.cache.get(nfd), F.bytes("nfd"), "value under the NFD key")
            let emoji = ctx.key("😀-山-שלום")
            try await ctx.stores.cache.set(emoji, value: F.bytes("emoji"), options: .none)
            try expectEqual(try await ctx.stores.cache.get(emoji), F.bytes("emoji"), "value under an emoji/CJK/RTL key")
        },

        ConformanceCase("cache.set.overwrite") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("first value, longer"), options: .none)
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("second"), options: .none)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("second"), "value after overwrite")
        },

        ConformanceCase("cache.set.overwrite-replaces-expiry") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("short"), options: .relative(0.3))
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("forever"), options: .none)
            try await ctx.advance(by: 0.5)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("forever"), "value after the first write's expiry")
        },

        ConformanceCase("cache.remove.existing") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .none)
            try await ctx.stores.cache.set(ctx.key("other"), value: F.bytes("o"), options: .none)
            try expectEqual(try await ctx.stores.cache.remove(ctx.key("k")), true, "remove of an existing entry")
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value after remove")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("other")), F.bytes("o"), "another entry after remove")
            try expectEqual(try await ctx.stores.cache.remove(ctx.key("k")), false, "second remove of the same key")
        },

        ConformanceCase("cache.remove.missing") { ctx in
            try expectEqual(try await ctx.stores.cache.remove(ctx.key("missing")), false, "remove of a missing key")
        },
    ]

    // MARK: bad input

    static let cacheInputCases: [ConformanceCase] = [
        ConformanceCase("cache.key.empty") { ctx in
            try await expectError(.invalidArgument, "set with an empty key") {
                try await ctx.stores.cache.set("", value: F.bytes("v"), options: .none)
            }
            try await expectError(.invalidArgument, "add with an empty key") {
                try await ctx.stores.cache.add("", value: F.bytes("v"), options: .none)
            }
            try await expectError(.invalidArgument, "getAndSet with an empty key") {
                try await ctx.stores.cache.getAndSet("", value: F.bytes("v"), options: .none)
            }
        },

        ConformanceCase("cache.key.max-length") { ctx in
            let base = ctx.key("")
            let longest = base + String(repeating: "k", count: IdentityStorageLimits.maxCacheKeyBytes - base.utf8.count)
            try expectEqual(longest.utf8.count, 449, "test key length")
            try await ctx.stores.cache.set(longest, value: F.bytes("449"), options: .none)
            try expectEqual(try await ctx.stores.cache.get(longest), F.bytes("449"), "value under a 449-byte key")
            try expectEqual(try await ctx.stores.cache.remove(longest), true, "remove under a 449-byte key")
            let tooLong = longest + "k"
            try await expectError(.invalidArgument, "set with a 450-byte key") {
                try await ctx.stores.cache.set(tooLong, value: F.bytes("450"), options: .none)
            }
            try await expectError(.invalidArgument, "add with a 450-byte key") {
                try await ctx.stores.cache.add(tooLong, value: F.bytes("450"), options: .none)
            }
            // The limit counts UTF-8 bytes, not characters: 225 "é" are 450 bytes.
            let wide = base + String(repeating: "\u{E9}", count: 225)
            try await expectError(.invalidArgument, "set with a key of 225 two-byte characters (\(wide.utf8.count) bytes)") {
                try await ctx.stores.cache.set(wide, value: F.bytes("wide"), options: .none)
            }
        },

        ConformanceCase("cache.key.nul") { ctx in
            let key = ctx.key("a\u{0}b")
            try await expectError(.invalidArgument, "set with a NUL byte in the key") {
                try await ctx.stores.cache.set(key, value: F.bytes("v"), options: .none)
            }
            try await expectError(.invalidArgument, "add with a NUL byte in the key") {
                try await ctx.stores.cache.add(key, value: F.bytes("v"), options: .none)
            }
            try await expectError(.invalidArgument, "getAndSet with a NUL byte in the key") {
                try await ctx.stores.cache.getAndSet(key, value: F.bytes("v"), options: .none)
            }
            try expectNil(try await ctx.stores.cache.get(ctx.key("a")), "the key truncated at the NUL byte")
        },

        ConformanceCase("cache.value.too-large") { ctx in
            let huge = [UInt8](repeating: 0x62, count: IdentityStorageLimits.maxPayloadBytes + 1)
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("kept"), options: .none)
            try await expectError(.tooLarge, "set of a value over 8 MiB") {
                try await ctx.stores.cache.set(ctx.key("k"), value: huge, options: .none)
            }
            try await expectError(.tooLarge, "getAndSet of a value over 8 MiB") {
                try await ctx.stores.cache.getAndSet(ctx.key("k"), value: huge, options: .none)
            }
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("kept"), "value after rejected writes")
            try await expectError(.tooLarge, "add of a value over 8 MiB") {
                try await ctx.stores.cache.add(ctx.key("new"), value: huge, options: .none)
            }
            try expectNil(try await ctx.stores.cache.get(ctx.key("new")), "entry after a rejected add")
        },

        ConformanceCase("cache.options.past-absolute-rejected") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("kept"), options: .none)
            var instants = [F.at(ctx, -1)]
            if ctx.hasInjectableClock { instants.append(F.at(ctx, 0)) }
            for instant in instants {
                try await expectError(.invalidArgument, "set with an absolute expiration at \(instant) (not in the future)") {
                    try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("new"), options: .absolute(instant))
                }
                try await expectError(.invalidArgument, "getAndSet with an absolute expiration in the past") {
                    try await ctx.stores.cache.getAndSet(ctx.key("k"), value: F.bytes("new"), options: .absolute(instant))
                }
                try await expectError(.invalidArgument, "add with an absolute expiration in the past") {
                    try await ctx.stores.cache.add(ctx.key("absent"), value: F.bytes("new"), options: .absolute(instant))
                }
            }
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("kept"), "value after rejected writes")
            try expectNil(try await ctx.stores.cache.get(ctx.key("absent")), "entry after a rejected add")
        },

        ConformanceCase("cache.options.past-absolute-with-relative-rejected") { ctx in
            // The absolute expiration is checked even when the relative one wins.
            let options = CacheEntryOptions(absoluteExpiration: F.at(ctx, -1), absoluteExpirationRelativeToNow: 60)
            try await expectError(.invalidArgument, "set with a past absolute and a valid relative expiration") {
                try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: options)
            }
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "entry after the rejected set")
        },

        ConformanceCase("cache.options.relative-non-positive") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("kept"), options: .none)
            for seconds in [0, -1, -0.001] as [TimeInterval] {
                try await expectError(.invalidArgument, "set with relative expiration \(seconds)") {
                    try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("new"), options: .relative(seconds))
                }
                try await expectError(.invalidArgument, "add with relative expiration \(seconds)") {
                    try await ctx.stores.cache.add(ctx.key("absent"), value: F.bytes("new"), options: .relative(seconds))
                }
                try await expectError(.invalidArgument, "getAndSet with relative expiration \(seconds)") {
                    try await ctx.stores.cache.getAndSet(ctx.key("k"), value: F.bytes("new"), options: .relative(seconds))
                }
            }
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("kept"), "value after rejected writes")
            try expectNil(try await ctx.stores.cache.get(ctx.key("absent")), "entry after rejected adds")
        },

        ConformanceCase("cache.options.sliding-non-positive") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("kept"), options: .none)
            for seconds in [0, -1, -0.001] as [TimeInterval] {
                try await expectError(.invalidArgument, "set with sliding expiration \(seconds)") {
                    try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("new"), options: .sliding(seconds))
                }
                try await expectError(.invalidArgument, "add with sliding expiration \(seconds)") {
                    try await ctx.stores.cache.add(ctx.key("absent"), value: F.bytes("new"), options: .sliding(seconds))
                }
                try await expectError(.invalidArgument, "getAndSet with sliding expiration \(seconds)") {
                    try await ctx.stores.cache.getAndSet(ctx.key("k"), value: F.bytes("new"), options: .sliding(seconds))
                }
            }
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("kept"), "value after rejected writes")
            try expectNil(try await ctx.stores.cache.get(ctx.key("absent")), "entry after rejected adds")
        },
    ]

    // MARK: expiration

    static let cacheExpiryCases: [ConformanceCase] = [
        ConformanceCase("cache.expiry.absolute") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .absolute(F.at(ctx, 0.5)))
            try await ctx.advance(by: 0.3)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value 0.3 s before its absolute expiry")
            try await ctx.advance(by: 0.4)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value 0.2 s after its absolute expiry")
        },

        ConformanceCase("cache.expiry.relative") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .relative(0.5))
            try await ctx.advance(by: 0.3)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value 0.3 s into a 0.5 s lifetime")
            try await ctx.advance(by: 0.4)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value 0.2 s after its relative expiry")
        },

        ConformanceCase("cache.expiry.none-lives") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .none)
            try await ctx.advance(by: 1.0)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value without expiration after 1 s")
        },

        ConformanceCase("cache.sliding.expires-if-not-accessed") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .sliding(0.4))
            try await ctx.stores.cache.set(ctx.key("other"), value: F.bytes("o"), options: .none)
            try await ctx.advance(by: 0.6)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value idle 0.2 s past its 0.4 s sliding expiration")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("other")), F.bytes("o"), "another entry")
        },

        ConformanceCase("cache.sliding.renewed-by-get") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .sliding(0.4))
            for step in 1...3 {
                try await ctx.advance(by: 0.25)
                try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value at read \(step) (every 0.25 s, sliding 0.4 s)")
            }
            try await ctx.advance(by: 0.6)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value after 0.6 s without a read")
        },

        ConformanceCase("cache.sliding.renewed-by-refresh") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .sliding(0.4))
            for _ in 1...2 {
                try await ctx.advance(by: 0.25)
                try await ctx.stores.cache.refresh(ctx.key("k"))
            }
            try await ctx.advance(by: 0.25)
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value 0.75 s after the write, refreshed every 0.25 s")
            try await ctx.advance(by: 0.6)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value after 0.6 s without a refresh")
        },

        ConformanceCase("cache.sliding.capped-by-absolute") { ctx in
            let options = CacheEntryOptions(absoluteExpiration: F.at(ctx, 1.0), slidingExpiration: 0.4)
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: options)
            for step in 1...2 {
                try await ctx.advance(by: 0.3)
                try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value at read \(step) (every 0.3 s)")
            }
            try await ctx.advance(by: 0.3)
            // 0.9 s: still before the absolute expiry, but too close to it to assert on real time.
            let late = try await ctx.stores.cache.get(ctx.key("k"))
            if ctx.hasInjectableClock { try expectEqual(late, F.bytes("v"), "value at 0.9 s (absolute at 1.0 s)") }
            try await ctx.advance(by: 0.25)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "value at 1.15 s: the sliding renewal must not pass the absolute expiry")
        },

        ConformanceCase("cache.options.relative-wins-over-absolute") { ctx in
            let shortRelative = CacheEntryOptions(absoluteExpiration: F.at(ctx, 60), absoluteExpirationRelativeToNow: 0.3)
            let longRelative = CacheEntryOptions(absoluteExpiration: F.at(ctx, 0.3), absoluteExpirationRelativeToNow: 60)
            try await ctx.stores.cache.set(ctx.key("short"), value: F.bytes("short"), options: shortRelative)
            try await ctx.stores.cache.set(ctx.key("long"), value: F.bytes("long"), options: longRelative)
            try await ctx.advance(by: 0.5)
            try expectNil(try await ctx.stores.cache.get(ctx.key("short")), "relative 0.3 s with absolute +60 s, after 0.5 s")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("long")), F.bytes("long"), "relative 60 s with absolute +0.3 s, after 0.5 s")
        },

        ConformanceCase("cache.refresh.missing") { ctx in
            try await ctx.stores.cache.refresh(ctx.key("missing"))
            try expectNil(try await ctx.stores.cache.get(ctx.key("missing")), "refresh must not create an entry")
        },

        ConformanceCase("cache.refresh.absolute-only-not-extended") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v"), options: .relative(0.5))
            try await ctx.stores.cache.set(ctx.key("forever"), value: F.bytes("f"), options: .none)
            try await ctx.advance(by: 0.3)
            try await ctx.stores.cache.refresh(ctx.key("k"))
            try await ctx.stores.cache.refresh(ctx.key("forever"))
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("v"), "value before its expiry")
            try await ctx.advance(by: 0.35)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "absolute-only value after its expiry despite a refresh")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("forever")), F.bytes("f"), "refreshed entry without expiration")
        },
    ]

    // MARK: atomic add and get-and-set

    static let cacheAtomicCases: [ConformanceCase] = [
        ConformanceCase("cache.add.absent") { ctx in
            try expectEqual(try await ctx.stores.cache.add(ctx.key("k"), value: F.bytes("first"), options: .none), true, "add of an absent key")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("first"), "value stored by add")
        },

        ConformanceCase("cache.add.present") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("existing"), options: .none)
            try expectEqual(try await ctx.stores.cache.add(ctx.key("k"), value: F.bytes("second"), options: .none), false, "add of a present key")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("existing"), "value after a refused add")
            try await ctx.stores.cache.set(ctx.key("empty"), value: [], options: .none)
            try expectEqual(try await ctx.stores.cache.add(ctx.key("empty"), value: F.bytes("x"), options: .none), false,
                            "add over an entry with an empty value (present, not missing)")
        },

        ConformanceCase("cache.add.over-expired") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("old"), options: .relative(0.3))
            try await ctx.advance(by: 0.5)
            try expectEqual(try await ctx.stores.cache.add(ctx.key("k"), value: F.bytes("new"), options: .none), true, "add over an expired entry")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("new"), "value stored over the expired entry")
        },

        ConformanceCase("cache.add.expiry-honoured") { ctx in
            try expectEqual(try await ctx.stores.cache.add(ctx.key("k"), value: F.bytes("v"), options: .relative(0.4)), true, "first add")
            try await ctx.advance(by: 0.2)
            try expectEqual(try await ctx.stores.cache.add(ctx.key("k"), value: F.bytes("w"), options: .relative(0.4)), false, "add before expiry")
            try await ctx.advance(by: 0.4)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "added entry after its relative expiry")
            try expectEqual(try await ctx.stores.cache.add(ctx.key("k"), value: F.bytes("x"), options: .none), true, "add after expiry")
        },

        ConformanceCase("cache.add.race") { ctx in
            let keys = 16, tasks = 8
            for round in 0..<3 {
                let results = try await race(keys * tasks) { index in
                    try await ctx.stores.cache.add(ctx.key("r\(round)-\(index % keys)"), value: F.bytes("winner-\(index)"), options: .relative(60))
                }
                for key in 0..<keys {
                    let winners = (0..<(keys * tasks)).filter { $0 % keys == key && results[$0] }
                    try expectEqual(winners.count, 1, "round \(round), key \(key): adds that returned true (\(winners))")
                    let stored = try await ctx.stores.cache.get(ctx.key("r\(round)-\(key)"))
                    try expectEqual(stored, F.bytes("winner-\(winners[0])"), "round \(round), key \(key): stored value (the winner's)")
                }
            }
        },

        ConformanceCase("cache.get-and-set.sequence") { ctx in
            let cache = ctx.stores.cache
            try expectNil(try await cache.getAndSet(ctx.key("k"), value: F.bytes("one"), options: .none), "first getAndSet")
            try expectEqual(try await cache.get(ctx.key("k")), F.bytes("one"), "value after the first getAndSet")
            try expectEqual(try await cache.getAndSet(ctx.key("k"), value: F.bytes("two"), options: .none), F.bytes("one"), "second getAndSet")
            try expectEqual(try await cache.getAndSet(ctx.key("k"), value: [], options: .none), F.bytes("two"), "third getAndSet")
            try expectEqual(try await cache.getAndSet(ctx.key("k"), value: F.bytes("four"), options: .none), [UInt8](),
                            "getAndSet after storing an empty value (empty, not nil)")
            try expectEqual(try await cache.get(ctx.key("k")), F.bytes("four"), "final value")
        },

        ConformanceCase("cache.get-and-set.over-expired") { ctx in
            try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("old"), options: .relative(0.3))
            try await ctx.advance(by: 0.5)
            try expectNil(try await ctx.stores.cache.getAndSet(ctx.key("k"), value: F.bytes("new"), options: .relative(0.3)),
                          "getAndSet over an expired entry (no live previous value)")
            try expectEqual(try await ctx.stores.cache.get(ctx.key("k")), F.bytes("new"), "value after getAndSet")
            try await ctx.advance(by: 0.5)
            try expectNil(try await ctx.stores.cache.get(ctx.key("k")), "getAndSet honours its own expiration")
        },

        ConformanceCase("cache.get-and-set.race") { ctx in
            let keys = 16, tasks = 8
            for round in 0..<3 {
                let previous = try await race(keys * tasks) { index in
                    try await ctx.stores.cache.getAndSet(ctx.key("r\(round)-\(index % keys)"), value: F.bytes("v\(index)"), options: .relative(60))
                }
                for key in 0..<keys {
                    let indices = (0..<(keys * tasks)).filter { $0 % keys == key }
                    let written = Set(indices.map { "v\($0)" })
                    let seen = indices.map { previous[$0].map { String(decoding: $0, as: UTF8.self) } }
                    let nils = seen.filter { $0 == nil }.count
                    try expectEqual(nils, 1, "round \(round), key \(key): getAndSet calls that saw no previous value")
                    let values = seen.compactMap { $0 }
                    try expectEqual(F.duplicates(values), [], "round \(round), key \(key): previous values returned twice")
                    let finalBytes = try expectValue(try await ctx.stores.cache.get(ctx.key("r\(round)-\(key)")), "round \(round), key \(key): final value")
                    let final = String(decoding: finalBytes, as: UTF8.self)
                    try expect(!values.contains(final), "round \(round), key \(key): the final value \(final) was also returned as a previous value")
                    try expect(Set(values + [final]) == written,
                               "round \(round), key \(key): previous values plus the final value must be every written value; got \(values.sorted()) + \(final)")
                }
            }
        },

        ConformanceCase("cache.set.concurrent") { ctx in
            let count = 64
            _ = try await race(count) { index in
                try await ctx.stores.cache.set(ctx.key("k"), value: F.bytes("v\(index)"), options: .relative(60))
            }
            let final = try expectValue(try await ctx.stores.cache.get(ctx.key("k")), "value after concurrent sets")
            let written = Set((0..<count).map { "v\($0)" })
            try expect(written.contains(String(decoding: final, as: UTF8.self)), "value after concurrent sets is not one written: \(F.show(final))")
        },
    ]
}
