import Foundation
import IdentityStorage

/// Refresh-token families on Redis (data-model version 2).
///
/// A grant lives in the bucket of its family (``PersistedGrant/family``), so a whole family shares one hash tag and one
/// script reaches all of it: rotation, reuse counting and the family's removal are each one script, atomic on a
/// standalone server and in a cluster alike. A member whose own key falls in another bucket (15 in 16 do) leaves a
/// pointer there: the hash `k:<key>` with the single field `b`, the two-digit bucket of its home. Single-key
/// operations start in the key's own bucket and follow a pointer once. Pointers are written before anyone can know
/// the key (a successor's, in the rotation itself or beside it), expire a day after their grant does, and are only
/// hints: a pointer to a bucket without the grant reads as missing.
///
/// Standalone, the rotation script follows the presented key's pointer and writes the successor's pointer itself:
/// one script, one round trip. In a cluster a script may only touch its own slot: the script is sent to the presented
/// key's own bucket with the successor's pointer to that bucket beside it (one round trip, both nodes at once); when
/// the presented key is a pointer there, the script answers with its home and both are sent again to the home: two
/// round trips for a token that was itself issued by rotation into another bucket. The outcome is decided once, by
/// the script in the home bucket, whichever way the caller reached it.
extension RedisPersistedGrantStore {
    func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation {
        try validateRotation(presented: key, successor: successor, policy: policy)
        let now = context.clock.now
        let keys = context.keys
        let successorBucket = RedisKeyspace.bucket(successor.key)
        let expiry = Self.pointerExpiry(successor.expiration)
        func commands(tryingBucket bucket: Int, follows: Bool) -> [RedisCommand] {
            let rotate = Self.rotateCommand(key, successor: successor, policy: policy, at: now, bucket: bucket,
                                            prefix: follows ? keys.prefix : [], keys: keys)
            guard !follows, successorBucket != bucket else { return [rotate] }
            return [rotate, Self.pointCommand(successor.key, home: bucket, expiry: expiry, replacingGrant: false, keys: keys)]
        }
        let what = "rotating refresh token \(key)"
        let natural = RedisKeyspace.bucket(key)
        let standalone = !self.context.client.isCluster
        // One command goes through `run`, which shares a pipeline with the other callers of the moment; two (cluster: the
        // successor's pointer beside the script) through `runAll`, to their nodes at once.
        let client = self.context.client
        func send(_ commands: [RedisCommand]) async throws -> RedisReply {
            commands.count == 1 ? try await client.run(commands[0], what) : try await client.runAll(commands, what)[0]
        }
        var reply = try await send(commands(tryingBucket: natural, follows: standalone))
        if let home = try Self.moved(reply) {
            reply = try await send(commands(tryingBucket: home, follows: false))
            if try Self.moved(reply) != nil { return .notFound }
        }
        return try Self.rotation(reply, key: key)
    }

    @discardableResult
    func removeFamily(_ familyId: String) async throws -> Int {
        try FieldValidation.key(familyId, "family id")
        let base = context.keys.grantBase(familyId)
        let reply = try await context.client.run(RedisCommand(script: Self.removeFamilyScript, keys: [base.bytes],
                                                              arguments: [RedisValue.bytes(familyId)], slot: base.slot),
                                                 "removing refresh-token family \(familyId)")
        return Int(try reply.integerValue())
    }

    // MARK: Pointers

    /// Runs the single-key script `command` in the key's own bucket and, when a pointer there names the grant's home,
    /// once more in the home; `clearsPointer`: then removes the pointer (the grant is gone). Nil when a pointer led
    /// nowhere.
    func followingPointer<T>(_ key: String, _ what: @autoclosure () -> String, clearsPointer: Bool = false,
                             _ command: (RedisKeyspace.Base) -> RedisCommand,
                             decode: (RedisReply) throws(IdentityStorageError) -> T) async throws -> T? {
        let first = try await context.client.run(command(context.keys.grantBase(key)), what())
        guard let home = try Self.moved(first) else { return try decode(first) }
        let second = try await context.client.run(command(context.keys.grants[home]), what())
        if try Self.moved(second) != nil { return nil }
        if clearsPointer {
            let base = context.keys.grantBase(key)
            _ = try await context.client.run(RedisCommand(script: Self.unpoint, keys: [base.bytes],
                                                          arguments: [RedisValue.bytes(key), Self.bucketName(home)], slot: base.slot), what())
        }
        return try decode(second)
    }

    /// After a grant was stored in its home: the key's own bucket points there (when it is another bucket), and a copy
    /// left in a former home (the key re-stored under another family) is removed.
    func settleStore(of grant: PersistedGrant, previousHome: [UInt8]?) async throws {
        let home = RedisKeyspace.bucket(grant.family)
        var formerHome = previousHome.flatMap(Self.bucketNumber)
        if home != RedisKeyspace.bucket(grant.key) {
            let reply = try await context.client.run(Self.pointCommand(grant.key, home: home, expiry: Self.pointerExpiry(grant.expiration),
                                                                       replacingGrant: true, keys: context.keys), "storing grant \(grant.key)")
            formerHome = try reply.optionalBytes().flatMap(Self.bucketNumber)
        }
        if let formerHome, formerHome != home {
            let base = context.keys.grants[formerHome]
            _ = try await context.client.run(RedisCommand(script: Self.dropCopy, keys: [base.bytes], arguments: [RedisValue.bytes(grant.key)],
                                                          slot: base.slot), "storing grant \(grant.key)")
        }
    }

    /// The home bucket a pointer answer names (`{'@', NN}`), or nil for any other answer.
    static func moved(_ reply: RedisReply) throws(IdentityStorageError) -> Int? {
        guard case .array(let items) = reply, items.count == 2, try items[0].optionalBytes() == [UInt8(ascii: "@")] else { return nil }
        return try items[1].optionalBytes().flatMap(bucketNumber)
    }

    /// The pointer of a ``getCommand(_:base:)`` answer without a grant.
    static func pointer(_ values: [RedisReply]) throws(IdentityStorageError) -> Int? {
        guard values.count == fields.count + 1 else { return nil }
        return try values[fields.count].optionalBytes().flatMap(bucketNumber)
    }

    /// The pointer field.
    static let pointerField = Array("b".utf8)

    static func bucketName(_ bucket: Int) -> [UInt8] { Array((bucket < 10 ? "0\(bucket)" : "\(bucket)").utf8) }

    static func bucketNumber(_ bytes: [UInt8]) -> Int? {
        guard let number = Int(String(decoding: bytes, as: UTF8.self)), (0..<RedisDataModel.buckets).contains(number) else { return nil }
        return number
    }

    /// When a pointer expires: a day after its grant does (milliseconds since 1970); empty for a grant that never expires.
    static func pointerExpiry(_ expiration: Date?) -> [UInt8] {
        guard let expiration else { return [] }
        return RedisValue.bytes(expiration.microsecondsSince1970 / 1000 + 86_400_000)
    }

    // MARK: Commands

    /// The rotation script run in `bucket`'s base; `prefix` non-empty: standalone, the script may follow a pointer and
    /// write the successor's pointer itself.
    static func rotateCommand(_ key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy, at now: Date, bucket: Int,
                              prefix: [UInt8], keys: RedisKeyspace) -> RedisCommand {
        let base = keys.grants[bucket]
        var fields = RedisFields()
        fields.add("t", successor.type)
        fields.add("s", successor.subjectId)
        fields.add("i", successor.sessionId)
        fields.add("c", successor.clientId)
        fields.add("d", successor.description)
        fields.add("ct", successor.creationTime)
        fields.add("e", successor.expiration)
        fields.add("v", successor.data)
        let arguments: [[UInt8]] = [RedisValue.bytes(key), RedisValue.micros(now), RedisValue.bytes(policy.gracePeriodMicroseconds),
                                    RedisValue.bytes(policy.maxReuseCount), prefix, bucketName(bucket), RedisValue.bytes(successor.key),
                                    bucketName(RedisKeyspace.bucket(successor.key)), pointerExpiry(successor.expiration)]
        return RedisCommand(script: rotate, keys: [base.bytes], arguments: arguments + fields.arguments, slot: base.slot)
    }

    /// Points `key`'s own bucket at `home`; `replacingGrant`: a grant stored there is removed first (it moves home),
    /// otherwise one is left alone (and no pointer written). Answers the bucket a former pointer named, or nil.
    static func pointCommand(_ key: String, home: Int, expiry: [UInt8], replacingGrant: Bool, keys: RedisKeyspace) -> RedisCommand {
        let base = keys.grantBase(key)
        return RedisCommand(script: point, keys: [base.bytes],
                            arguments: [RedisValue.bytes(key), bucketName(home), expiry, RedisValue.bytes(replacingGrant ? "1" : "0")], slot: base.slot)
    }

    /// One of the four outcomes from the rotation script's answer.
    static func rotation(_ reply: RedisReply, key: String) throws(IdentityStorageError) -> RefreshTokenRotation {
        let items = try reply.items()
        guard let code = try items.first?.optionalBytes().map({ String(decoding: $0, as: UTF8.self) }) else {
            throw .corruptedData("the refresh-token rotation script gave an empty answer")
        }
        switch code {
        case "n":
            return .notFound
        case "d":
            guard items.count == 3 else { throw .corruptedData("the refresh-token rotation script's answer is malformed") }
            let family = try RedisValue.text(try RedisValue.required(try items[2].optionalBytes(), "family id"), "family id")
            return .reuseDetected(familyId: family, removedGrants: Int(try items[1].integerValue()))
        case "r", "g":
            guard let grant = try decode(key: key, items.dropFirst(2)) else {
                throw .corruptedData("the refresh-token rotation script answered without the grant")
            }
            return code == "r" ? .rotated(grant) : .reusedWithinGrace(grant)
        default:
            throw .corruptedData("the refresh-token rotation script answered an unknown outcome '\(code)'")
        }
    }

    // MARK: Scripts

    /// Removes family ARGV[1]'s grants of this bucket: the members its index names, and a family of one.
    static let removeFamilyCore = """
        local function removeFamily(base, fam)
          local removed = 0
          for _, m in ipairs(redis.call('SMEMBERS', base .. 'f:' .. fam)) do
            local mf = load(base, m)
            if mf[1] and mf[10] == fam then drop(base, m, mf); removed = removed + 1 end
          end
          redis.call('DEL', base .. 'f:' .. fam)
          local root = load(base, fam)
          if root[1] and not root[10] then drop(base, fam, root); removed = removed + 1 end
          return removed
        end

        """

    static let removeFamilyScript = RedisScript("grant-remove-family", common + removeFamilyCore + """
        return removeFamily(KEYS[1], ARGV[1])
        """)

    /// The rotation (see the type's comment). ARGV: key, now, grace µs, maximum reuses, prefix (standalone) or empty,
    /// this bucket, successor key, successor's own bucket, successor pointer expiry (ms) or empty, successor fields.
    /// Answers `{'n'}`, `{'d', removed, family}`, `{'@', home}` (cluster: go there) or `{'r'|'g', home, fields…}`.
    static let rotate = RedisScript("grant-rotate", common + removeFamilyCore + """
        local base, key, now, grace, maxReuse = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local prefix, home, skey, sbucket, sexpiry = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
        local f = load(base, key)
        if not f[1] then
          local moved = redis.call('HGET', base .. 'k:' .. key, 'b')
          if not moved then return {'n'} end
          if prefix == '' then return {'@', moved} end
          home = moved
          base = prefix .. '{g:' .. home .. '}:'
          f = load(base, key)
          if not f[1] then return {'n'} end
        end
        local client
        for j = 10, #ARGV, 2 do if ARGV[j] == 'c' then client = ARGV[j + 1] end end
        if f[4] ~= client or (f[7] and tonumber(f[7]) <= now) then return {'n'} end
        local fam = f[10] or key
        local rk = base .. 'k:' .. key
        local outcome
        local reuse = tonumber(f[12] or '0')
        if not f[8] then
          outcome = 'r'
          redis.call('HSET', rk, 'u', ARGV[2], 'f', fam, 'n', skey)
          redis.call('ZADD', base .. 'u', ARGV[2], key)
        elseif now - tonumber(f[8]) < grace and reuse < maxReuse then
          outcome = 'g'
          redis.call('HSET', rk, 'r', tostring(reuse + 1), 'f', fam, 'n', skey)
        else
          return {'d', removeFamily(base, fam), fam}
        end
        redis.call('SADD', base .. 'f:' .. fam, key)
        local old = load(base, skey)
        if old[1] then drop(base, skey, old) else redis.call('DEL', base .. 'k:' .. skey) end
        local sk = base .. 'k:' .. skey
        redis.call('HSET', sk, 'f', fam, unpack(ARGV, 10))
        local new = redis.call('HMGET', sk, 't', 's', 'i', 'c', 'e')
        redis.call('SADD', base .. 't:' .. new[1], skey)
        if new[2] then redis.call('SADD', base .. 's:' .. new[2], skey) end
        if new[3] then redis.call('SADD', base .. 'i:' .. new[3], skey) end
        redis.call('SADD', base .. 'c:' .. new[4], skey)
        if new[5] then redis.call('ZADD', base .. 'e', new[5], skey) end
        redis.call('SADD', base .. 'f:' .. fam, skey)
        if sbucket ~= home and prefix ~= '' then
          local pk = prefix .. '{g:' .. sbucket .. '}:k:' .. skey
          if redis.call('HEXISTS', pk, 't') == 0 then
            redis.call('DEL', pk)
            redis.call('HSET', pk, 'b', home)
            if sexpiry ~= '' then redis.call('PEXPIREAT', pk, sexpiry) end
          end
        end
        local g = load(base, key)
        return {outcome, home, unpack(g)}
        """)

    /// ARGV: key, home, expiry (ms) or empty, replace a grant ('1') or leave it ('0'). Answers the former pointer's home.
    static let point = RedisScript("grant-point", common + """
        local base, key, home, expiry, replace = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local rk = base .. 'k:' .. key
        local f = load(base, key)
        if f[1] then
          if replace ~= '1' then return false end
          drop(base, key, f)
        end
        local former = redis.call('HGET', rk, 'b')
        redis.call('DEL', rk)
        redis.call('HSET', rk, 'b', home)
        if expiry ~= '' then redis.call('PEXPIREAT', rk, expiry) end
        return former
        """)

    /// Removes the pointer of ARGV[1] if it still names ARGV[2].
    static let unpoint = RedisScript("grant-unpoint", """
        local rk = KEYS[1] .. 'k:' .. ARGV[1]
        if redis.call('HGET', rk, 'b') == ARGV[2] then redis.call('DEL', rk) end
        return 1
        """)

    /// Removes a copy of ARGV[1] left in a former home.
    static let dropCopy = RedisScript("grant-drop-copy", common + """
        local f = load(KEYS[1], ARGV[1])
        if f[1] then drop(KEYS[1], ARGV[1], f) end
        return 1
        """)
}
