import Foundation
import IdentityStorage

/// Cleanup across the 16 buckets of a store (grants, cache entries).
///
/// A round peeks the oldest due members of every bucket, chooses the oldest of them all, and removes them
/// with a script that re-checks each and returns only what it removed. Members another cleaner removed
/// meanwhile are replaced by peeking again, so a batch returns `limit` items whenever that many are due
/// (a runner stops at a short batch).
///
/// Redis runs one command at a time, so every step is kept short for the sake of the reads that wait behind
/// it: each bucket is peeked for about twice its share of the batch, not the whole batch, and each script
/// removes at most ``membersPerScript`` items. Peeking less is still oldest-first: a candidate is chosen only
/// when it is older than the last member of every bucket whose peek came back full (the horizon), since
/// anything older than that in such a bucket was in its peek.
enum RedisBucketCleanup {
    /// Items one cleanup script removes: about a quarter of a millisecond of server time.
    static let membersPerScript = 8

    static func removeDue<Item>(client: RedisClient, bases: [RedisKeyspace.Base], zset: String, maximum: [UInt8], limit: Int, what: String,
                                clean: (RedisKeyspace.Base, [[UInt8]]) -> RedisCommand,
                                decode: (RedisReply) throws(IdentityStorageError) -> [Item]) async throws -> [Item] {
        var removed: [Item] = []
        // Each round removes at least one bucket's peek (the horizon's bucket is wholly chosen) unless other cleaners
        // took them, so the cap is only a guard.
        for _ in 0..<256 {
            let wanted = limit - removed.count
            if wanted <= 0 { break }
            let perBucket = min(wanted, 2 * wanted / max(1, bases.count) + 8)
            var candidates: [(score: Int64, member: [UInt8], bucket: Int)] = []
            var horizon: (score: Int64, member: [UInt8])?
            for (bucket, base) in bases.enumerated() {
                let peek = RedisCommand([RedisValue.bytes("ZRANGEBYSCORE"), base.key(zset), RedisValue.bytes("-inf"), maximum,
                                         RedisValue.bytes("WITHSCORES"), RedisValue.bytes("LIMIT"), RedisValue.bytes("0"),
                                         RedisValue.bytes(perBucket)], slot: base.slot)
                let pairs = try RedisScores.pairs(try await client.run(peek, "reading due \(what)"))
                candidates += pairs.map { ($0.score, $0.member, bucket) }
                if pairs.count == perBucket, let last = pairs.last, horizon.map({ Self.precedes((last.score, last.member), $0) }) ?? true {
                    horizon = (last.score, last.member)
                }
            }
            if candidates.isEmpty { break }
            candidates.sort { Self.precedes(($0.score, $0.member), ($1.score, $1.member)) }
            // Up to and including the horizon: its own bucket returned it, every other full bucket has nothing older left.
            let safe = horizon.map { horizon in candidates.prefix { !Self.precedes(horizon, ($0.score, $0.member)) } } ?? candidates[...]
            let chosen = safe.prefix(wanted)
            var round = 0
            for (bucket, members) in Dictionary(grouping: chosen, by: \.bucket).sorted(by: { $0.key < $1.key }) {
                for start in stride(from: 0, to: members.count, by: membersPerScript) {
                    let part = members[start..<min(members.count, start + membersPerScript)].map(\.member)
                    let items = try decode(try await client.run(clean(bases[bucket], part), "removing due \(what)"))
                    round += items.count
                    removed += items
                }
            }
            // Everything due was seen (no bucket came back full), chosen and removed: done.
            if horizon == nil, round == chosen.count, chosen.count < wanted { break }
        }
        return removed
    }

    /// Sorted-set order: by score, then by member bytes.
    private static func precedes(_ lhs: (Int64, [UInt8]), _ rhs: (Int64, [UInt8])) -> Bool {
        lhs.0 != rhs.0 ? lhs.0 < rhs.0 : lhs.1.lexicographicallyPrecedes(rhs.1)
    }
}

/// `WITHSCORES` replies.
enum RedisScores {
    /// `[member, score, member, score, …]` with integral scores (instants in microseconds).
    static func pairs(_ reply: RedisReply) throws(IdentityStorageError) -> [(member: [UInt8], score: Int64)] {
        let items = try reply.items()
        var pairs: [(member: [UInt8], score: Int64)] = []
        var index = 0
        while index + 1 < items.count {
            let member = try items[index].optionalBytes() ?? []
            let text = String(decoding: try items[index + 1].optionalBytes() ?? [], as: UTF8.self)
            guard let score = Double(text), let exact = Int64(exactly: score.rounded()) else {
                throw .corruptedData("a sorted-set score '\(text)' is not an instant")
            }
            pairs.append((member, exact))
            index += 2
        }
        return pairs
    }
}

/// Cleanup of the stores under one hash tag (device flow, sessions, PAR, CIBA) in scripts of bounded size: the
/// caller's limit is spread over scripts of at most ``itemsPerScript`` items each, oldest first, so that a large
/// batch never holds the node for long (see ``RedisBucketCleanup``).
enum RedisCleanupSteps {
    /// Items one cleanup script removes at most: well under a millisecond of server time.
    static let itemsPerScript = 32

    /// Runs `step(n)`, which removes at most `n` due items and returns them, for the rest of `limit`, until a step
    /// removes fewer than asked (nothing more is due). Runs to its end however the caller is cancelled, so that what
    /// the first steps removed is returned (``wholeBatch(_:)``).
    static func remove<Item: Sendable>(limit: Int, _ step: @escaping @Sendable (Int) async throws -> [Item]) async throws -> [Item] {
        try FieldValidation.positive(limit, "limit")
        return try await wholeBatch {
            var removed: [Item] = []
            while removed.count < limit {
                let asked = min(limit - removed.count, itemsPerScript)
                let batch = try await step(asked)
                removed += batch
                if batch.count < asked { break }
            }
            return removed
        }
    }
}
