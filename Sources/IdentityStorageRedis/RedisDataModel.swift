import Foundation
import IdentityStorage

/// The Redis data model of ``RedisIdentityStorage`` (data-model version 2).
///
/// ## Keys
/// Every key is `P{T}:R`: the configured prefix `P` (default `idstore:`), a hash tag `{T}` naming the store
/// (and, for grants and cache entries, a bucket), and a rest `R`: a fixed name (`e`, `ids`, …) or a short kind,
/// a colon and the item's id as given, byte for byte. Because the tag comes first and the caller's bytes come
/// last, no id can spell another key: `{`, `}`, `*`, `:`, spaces or any other byte in an id only lengthen the
/// last component (NUL is rejected by validation everywhere, cache keys included). Kinds are distinct and
/// colon-free, so `k:` keys never collide with `s:` keys whatever follows. The prefix may not contain `{` or `}`.
/// Standalone servers use the same layout (the tags are then just part of the names). Tags do not include the
/// prefix: deployments under different prefixes on one cluster share slots (only placement, never keys).
///
/// Instants are integer microseconds since 1970 (decimal text in hashes, exact doubles in sorted-set scores,
/// exact below 2^53, i.e. until the year 2255). Optional fields are absent hash fields, so nil and `""` differ.
///
/// | store | tag | keys |
/// |---|---|---|
/// | grants | `{g:NN}`, NN = CRC16(family) mod 16, the family being the grant's family id or else its key | `k:<key>` hash `t s i c d ct e u v f n r` (type, subject, session, client, description, created, expires, consumed, data, family id, successor key, reuse count); indexes `s:<subject>`, `i:<session>`, `c:<client>`, `t:<type>`, `f:<family>` sets of keys; `e` zset by expiration; `u` zset by consumed time; in the bucket of the key itself, when that is another, a pointer `k:<key>` hash `b` (the home bucket, two digits) |
/// | device flow | `{d}` | `k:<device code>` hash `uc c s i d ct e v`; `u:<user code>` string → device code; `e` zset by expiration |
/// | sessions | `{s}` | `k:<key>` hash `sc s i n c r e t`; `s:<subject>`, `i:<session id>` sets; `all` zset (score 0, key order for paging); `e` zset by expiry |
/// | PAR | `{p}` | `k:<hash>` hash `e v`; `e` zset by expiry |
/// | CIBA | `{b}` | `k:<internal id>` hash `s c e j` (subject, client, expiration, JSON document); `s:<subject>` set; `e` zset |
/// | cache | `{c:NN}`, NN = CRC16(key) mod 16 | `v:<key>` hash `v x a s` (value, expires-at, absolute cap, sliding interval); `x` zset by expires-at |
/// | clients | `{cl}` | `k:<client id>` JSON document; `ids` zset (score 0, id order); `o:<client id>` set of its CORS origins; `o2c:<origin>` set of client ids |
/// | resources | `{r}` | `i:<name>`, `a:<name>`, `r:<name>` JSON documents (identity resources, API scopes, API resources); `is`, `as`, `rs` name sets; `rsc:<scope>` set of API resources serving a scope; `rsn:<name>` the scopes indexed for a resource |
/// | identity providers | `{ip}` | `k:<scheme>` hash `n en t p`; `ids` zset (score 0) |
/// | signing keys | `{sk}` | `k:<id>` hash `ver c a x v p`; `ids` zset (score 0); `c` zset by creation time |
/// | key ring | `{kr}` | `n` counter (ids never reused); `k:<id>` hash `f x`; `ids` zset by id |
/// | meta | `{meta}` | `version` (data-model version) |
///
/// ## Writes
/// Every write that touches more than one key is one Lua script (`EVALSHA`, loaded with `EVAL` on `NOSCRIPT`):
/// a grant and its four indexes and two sorted sets, a device authorization under both codes, a session and its
/// indexes, a client and its CORS index. Scripts run atomically, so no reader sees half of a write and concurrent
/// primitives (take, consume, add-if-absent, get-and-set, claim, conditional key stores) have exactly one winner.
/// Every script's keys share one hash tag, so each stays in one slot of a cluster.
///
/// ## Indexes
/// Filter queries (grants by subject, session, client(s), type(s); sessions by subject or session id; CIBA logins by
/// subject) read the smallest matching index, then re-check every field of every member against the whole filter,
/// and remove members whose item is gone or no longer has the indexed value. A filter never deletes an item it did
/// not match field by field (upstream's Redis store deleted a subject's grants across sessions: reference §5.6).
/// Every grant has a client and a type index entry; a subject or session index entry when it has one. A filter on
/// type(s) or client(s) alone reads those indexes whole in each bucket, as a SQL store would scan: cheap filters
/// name a subject or a session.
///
/// ## Bounded scripts
/// Redis runs one command at a time, so a script's length is every other client's wait on that node (and past the
/// busy-script threshold, their `BUSY` error). No script's work grows with the data: grant filters plan, walk (with
/// `SSCAN`) and remove in steps of at most 256 index members or filter values per script
/// (`RedisPersistedGrantStore+Filter.swift`); session queries examine at most 256 sessions per script and go on from
/// the last key; cleanup removes at most 8 grants or cache entries, or 32 device codes, sessions, PARs or CIBA
/// requests, per script. A read made of steps sees every item present throughout it once; a removal reports exactly
/// what it removed, but is not one atomic operation: a concurrent reader may see some matching grants removed and
/// others not yet (each grant is still all-or-nothing). What stays whole in one script is bounded by the caller, not the data: a family's rotation
/// (its members), a session or CIBA filter by subject (that subject's sessions or requests), the configuration stores.
///
/// ## Expiry
/// Stores do not enforce expiry on reads: expired grants, device codes, PARs, CIBA requests and sessions stay
/// readable until cleanup removes them. They carry **no TTL**; cleanup batches (`CleanupStore`) read the `e`/`u`
/// sorted sets up to "now" of the injected clock and remove, in a script per tag, only members still due,
/// returning exactly what they removed. Run `CleanupRunner` periodically, as with the SQL adapters.
///
/// Cache entries store their expires-at, absolute cap and sliding interval; every read, add and get-and-set
/// evaluates them in Lua against "now" passed from the client's clock (so the injected clock governs the cache
/// too), and renews sliding entries up to the cap. Each expiring entry also gets a safety `PEXPIRE` of its
/// remaining lifetime plus ``RedisIdentityStorage/Configuration/cacheExpiryGracePeriod`` (at least 1 ms, never
/// non-positive; none when the grace period is nil), so Redis reclaims entries even when cleanup never runs;
/// cleanup removes logically expired entries earlier.
///
/// ## Cluster
/// Grants and cache entries are spread over 16 tags each (`{g:00}`…`{g:15}`, `{c:00}`…`{c:15}`), so they spread
/// over the masters; a grant filter or a cleanup batch visits every bucket (one pipeline per node). The other
/// stores have one tag each and therefore live on one master each. What is weaker than standalone:
/// - each single-tag store (sessions, device flow, PAR, CIBA, configuration stores) is limited to one master's
///   memory and CPU;
/// - cleanup batches of grants and cache entries pick the oldest due items across buckets, then remove them
///   bucket by bucket (a script per bucket that re-checks each item): an item is never reported twice, and a batch
///   whose candidates another cleaner took peeks again, so it comes up short only when nothing else is due; but
///   "oldest first" holds within a batch, not strictly between concurrent cleaners;
/// - resharding (slot migration) while the store writes is not supported: scripts name only their bucket's tag
///   prefix as a key, so during a migration a script may run against a partly moved bucket; reshard with the
///   application paused;
/// - replication is asynchronous: a write acknowledged by a master that dies before its replica received it is
///   lost when the replica takes over (standalone without persistence loses everything on restart);
/// - during a failover (cluster-node-timeout, 5 s in the test cluster) calls for the failed master's slots fail
///   with `unavailable`; they succeed again once the replica is promoted and the slot map is re-read.
public enum RedisDataModel {
    /// The data-model version this library writes and reads. Version 2 (refresh-token families: grants live in their
    /// family's bucket, pointers in their own) reads version 1 data as it is (every grant a family of one, in its own
    /// bucket); opening marks the data as version 2, so that a library that knows only version 1 refuses it.
    public static let version = 2
    /// Buckets (hash tags) of the grant and cache stores.
    public static let buckets = 16
}

/// Builds the keys of ``RedisDataModel`` under one prefix, and the cluster slot of each tag.
package struct RedisKeyspace: Sendable {
    /// A tag's key prefix `P{T}:` and its slot.
    package struct Base: Sendable {
        let bytes: [UInt8]
        package let slot: Int

        init(prefix: [UInt8], tag: String) {
            bytes = prefix + Array("{\(tag)}:".utf8)
            slot = RedisSlot.of(bytes)
        }

        /// `P{T}:<kind>:<id>`.
        package func key(_ kind: String, _ id: String) -> [UInt8] {
            bytes + Array(kind.utf8) + [UInt8(ascii: ":")] + Array(id.utf8)
        }

        /// `P{T}:<name>`.
        func key(_ name: String) -> [UInt8] {
            bytes + Array(name.utf8)
        }
    }

    let prefix: [UInt8]
    let grants: [Base]
    let cache: [Base]
    let deviceFlow: Base
    let sessions: Base
    let pushedAuthorizationRequests: Base
    let backchannel: Base
    package let clients: Base
    let resources: Base
    let identityProviders: Base
    let signingKeys: Base
    package let keyRing: Base
    let meta: Base

    package init(prefix: String) {
        let bytes = Array(prefix.utf8)
        self.prefix = bytes
        grants = (0..<RedisDataModel.buckets).map { Base(prefix: bytes, tag: "g:" + Self.twoDigits($0)) }
        cache = (0..<RedisDataModel.buckets).map { Base(prefix: bytes, tag: "c:" + Self.twoDigits($0)) }
        deviceFlow = Base(prefix: bytes, tag: "d")
        sessions = Base(prefix: bytes, tag: "s")
        pushedAuthorizationRequests = Base(prefix: bytes, tag: "p")
        backchannel = Base(prefix: bytes, tag: "b")
        clients = Base(prefix: bytes, tag: "cl")
        resources = Base(prefix: bytes, tag: "r")
        identityProviders = Base(prefix: bytes, tag: "ip")
        signingKeys = Base(prefix: bytes, tag: "sk")
        keyRing = Base(prefix: bytes, tag: "kr")
        meta = Base(prefix: bytes, tag: "meta")
    }

    /// The bucket of a grant key or cache key.
    static func bucket(_ id: String) -> Int {
        Int(RedisSlot.crc16(id.utf8)) % RedisDataModel.buckets
    }

    package func grantBase(_ key: String) -> Base { grants[Self.bucket(key)] }
    func cacheBase(_ key: String) -> Base { cache[Self.bucket(key)] }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// Encoding of values for Redis arguments and decoding of replies.
package enum RedisValue {
    package static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func bytes(_ value: Int) -> [UInt8] { Array(String(value).utf8) }
    static func bytes(_ value: Int64) -> [UInt8] { Array(String(value).utf8) }
    static func micros(_ date: Date) -> [UInt8] { Array(String(date.microsecondsSince1970).utf8) }

    /// Text stored by this library; invalid UTF-8 means the value was damaged.
    static func text(_ bytes: [UInt8], _ what: @autoclosure () -> String) throws(IdentityStorageError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .corruptedData("\(what()) holds bytes that are not valid UTF-8")
        }
        return text
    }

    static func optionalText(_ bytes: [UInt8]?, _ what: @autoclosure () -> String) throws(IdentityStorageError) -> String? {
        guard let bytes else { return nil }
        return try text(bytes, what())
    }

    static func int64(_ bytes: [UInt8], _ what: @autoclosure () -> String) throws(IdentityStorageError) -> Int64 {
        guard let value = Int64(String(decoding: bytes, as: UTF8.self)) else {
            throw .corruptedData("\(what()) is not an integer")
        }
        return value
    }

    static func date(_ bytes: [UInt8]?, _ what: @autoclosure () -> String) throws(IdentityStorageError) -> Date {
        guard let bytes else { throw .corruptedData("\(what()) is missing") }
        return try Date(storedMicroseconds: try int64(bytes, what()), what: what())
    }

    static func optionalDate(_ bytes: [UInt8]?, _ what: @autoclosure () -> String) throws(IdentityStorageError) -> Date? {
        guard let bytes else { return nil }
        return try Date(storedMicroseconds: try int64(bytes, what()), what: what())
    }

    static func required(_ bytes: [UInt8]?, _ what: @autoclosure () -> String) throws(IdentityStorageError) -> [UInt8] {
        guard let bytes else { throw .corruptedData("\(what()) is missing") }
        return bytes
    }
}

/// Hash fields of a record: only present values are added, so an absent field means nil.
struct RedisFields {
    private(set) var arguments: [[UInt8]] = []

    mutating func add(_ field: String, _ value: [UInt8]?) {
        guard let value else { return }
        arguments.append(Array(field.utf8))
        arguments.append(value)
    }

    mutating func add(_ field: String, _ value: String?) { add(field, value.map { Array($0.utf8) }) }
    mutating func add(_ field: String, _ value: Date?) { add(field, value.map(RedisValue.micros)) }
}
