import Foundation
import IdentityStorage

/// Server-side sessions under one hash tag: a hash per session, subject and session-id sets, a key-ordered set
/// for paging and an expiry set for claiming. Claiming is one script, so concurrent claimers never share a session.
struct RedisServerSideSessionStore: ServerSideSessionStore {
    let context: RedisStoreContext

    static let fields = ["sc", "s", "i", "n", "c", "r", "e", "t"]
    static let fieldArguments = fields.map { Array($0.utf8) }

    private var base: RedisKeyspace.Base { context.keys.sessions }

    func createSession(_ session: ServerSideSession) async throws {
        try session.validate()
        let reply = try await run(Self.create, [RedisValue.bytes(session.key)] + Self.fields(of: session), "creating session")
        if try reply.integerValue() == 0 { throw IdentityStorageError.duplicate("a session with this key is already stored") }
    }

    func session(forKey key: String) async throws -> ServerSideSession? {
        try FieldValidation.key(key, "session key")
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("HMGET"), base.key("k", key)] + Self.fieldArguments, slot: base.slot),
                                                 "reading session")
        return try Self.decode(key: key, reply.items()[...])
    }

    @discardableResult
    func updateSession(_ session: ServerSideSession) async throws -> Bool {
        try session.validate()
        let reply = try await run(Self.update, [RedisValue.bytes(session.key)] + Self.fields(of: session), "updating session")
        return try reply.integerValue() == 1
    }

    @discardableResult
    func deleteSession(forKey key: String) async throws -> Bool {
        try FieldValidation.key(key, "session key")
        return try await run(Self.delete, [RedisValue.bytes(key)], "deleting session").integerValue() == 1
    }

    func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try filter.validate()
        let reply = try await context.client.run(RedisCommand(script: Self.filter, keys: [base.bytes], arguments: Self.filterArguments(mode: "g", filter),
                                                              slot: base.slot, isRead: true), "reading sessions by filter")
        return try Self.decodeList(reply).sorted { ExactString($0.key) < ExactString($1.key) }
    }

    @discardableResult
    func deleteSessions(matching filter: SessionFilter) async throws -> Int {
        try filter.validate()
        return Int(try await run(Self.filter, Self.filterArguments(mode: "d", filter), "deleting sessions by filter").integerValue())
    }

    func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] {
        let now = RedisValue.micros(context.clock.now)
        return try await RedisCleanupSteps.remove(limit: limit) { [self] asked in
            try Self.decodeList(try await run(Self.claim, [now, RedisValue.bytes(asked)], "claiming expired sessions"))
        }.sorted { ($0.expires!, ExactString($0.key)) < ($1.expires!, ExactString($1.key)) }
    }

    func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        let base = self.base
        // One job on one connection to the sessions' node; each source query is one script.
        return try await context.client.withSession(slot: base.slot, isRead: true) { session in
            try SessionPaging.page(query, from: Source(session: session, base: base, query: query))
        }
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    // MARK: Encoding

    static func fields(of session: ServerSideSession) -> [[UInt8]] {
        var fields = RedisFields()
        fields.add("sc", session.scheme)
        fields.add("s", session.subjectId)
        fields.add("i", session.sessionId)
        fields.add("n", session.displayName)
        fields.add("c", session.created)
        fields.add("r", session.renewed)
        fields.add("e", session.expires)
        fields.add("t", session.ticket)
        return fields.arguments
    }

    static func filterArguments(mode: String, _ filter: SessionFilter) -> [[UInt8]] {
        func set(_ value: String?) -> String { value.map { $0.allSatisfy(\.isWhitespace) ? "" : $0 } ?? "" }
        return [RedisValue.bytes(mode), RedisValue.bytes(set(filter.subjectId)), RedisValue.bytes(set(filter.sessionId))]
    }

    static func decode(key: String, _ values: ArraySlice<RedisReply>) throws(IdentityStorageError) -> ServerSideSession? {
        guard values.count >= fields.count else { return nil }
        var f: [[UInt8]?] = []
        for value in values { f.append(try value.optionalBytes()) }
        guard let scheme = f[0] else { return nil }
        let what = "session \(key)"
        return ServerSideSession(key: key, scheme: try RedisValue.text(scheme, "\(what) scheme"),
                                 subjectId: try RedisValue.text(try RedisValue.required(f[1], "\(what) subject"), "\(what) subject"),
                                 sessionId: try RedisValue.optionalText(f[2], "\(what) session id"),
                                 displayName: try RedisValue.optionalText(f[3], "\(what) display name"),
                                 created: try RedisValue.date(f[4], "\(what) created"), renewed: try RedisValue.date(f[5], "\(what) renewed"),
                                 expires: try RedisValue.optionalDate(f[6], "\(what) expires"),
                                 ticket: try RedisValue.text(try RedisValue.required(f[7], "\(what) ticket"), "\(what) ticket"))
    }

    /// Sessions from a flat `[key, eight fields, …]` reply.
    static func decodeList(_ reply: RedisReply) throws(IdentityStorageError) -> [ServerSideSession] {
        let items = try reply.items()
        let stride = fields.count + 1
        var sessions: [ServerSideSession] = []
        var index = 0
        while index + stride <= items.count {
            let key = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "session key"), "session key")
            if let session = try decode(key: key, items[(index + 1)..<(index + stride)]) { sessions.append(session) }
            index += stride
        }
        return sessions
    }

    /// The paging queries of `SessionPaging` as scripts on the lent connection.
    private struct Source: SessionPageSource {
        let session: RedisSession
        let base: RedisKeyspace.Base
        let query: SessionQuery

        /// `blank, hasSubject, subject, hasSession, session, hasName, name`.
        private var filter: [[UInt8]] {
            let blank = [query.subjectId, query.sessionId, query.displayName].allSatisfy { $0.map { $0.allSatisfy(\.isWhitespace) } ?? true }
            var arguments = [RedisValue.bytes(blank ? "1" : "0")]
            for value in [query.subjectId, query.sessionId, query.displayName] {
                arguments.append(RedisValue.bytes(value == nil ? "0" : "1"))
                arguments.append(RedisValue.bytes(value ?? ""))
            }
            return arguments
        }

        /// One bounded step (see ``RedisServerSideSessionStore/page``) from `bound` (nil: the end the operation starts from).
        private func step(_ operation: String, _ bound: String?, _ limit: Int) throws -> Step {
            let arguments = [RedisValue.bytes(operation), RedisValue.bytes(bound == nil ? "0" : "1"), RedisValue.bytes(bound ?? ""),
                             RedisValue.bytes(limit), RedisValue.bytes(RedisServerSideSessionStore.sessionsPerStep)] + filter
            let items = try session.run(RedisCommand(script: RedisServerSideSessionStore.page, keys: [base.bytes], arguments: arguments, slot: base.slot),
                                        "querying sessions").items()
            guard items.count == 3 else { throw IdentityStorageError.corruptedData("a session query step returned \(items.count) items, not 3") }
            let last = try items[0].optionalBytes()
            return Step(last: try last.map { bytes throws(IdentityStorageError) in try RedisValue.text(bytes, "session key") },
                        count: Int(try items[1].integerValue()), sessions: try RedisServerSideSessionStore.decodeList(items[2]))
        }

        /// What a step found, and the last key it examined when the range goes on (nil: the range is done).
        private struct Step {
            let last: String?
            let count: Int
            let sessions: [ServerSideSession]
        }

        private func sessions(_ operation: String, from key: String?, limit: Int) throws -> [ServerSideSession] {
            var found: [ServerSideSession] = []
            var bound = key
            while found.count < limit {
                let step = try step(operation, bound, limit - found.count)
                found += step.sessions
                guard let last = step.last else { break }
                bound = last
            }
            return found
        }

        func sessions(after key: String?, limit: Int) throws -> [ServerSideSession] {
            try sessions("after", from: key, limit: limit)
        }

        func sessions(before key: String, limit: Int) throws -> [ServerSideSession] {
            try sessions("before", from: key, limit: limit)
        }

        func count(_ range: SessionKeyRange) throws -> Int {
            let (operation, start): (String, String?) = switch range {
            case .all: ("count-after", nil)
            case .before(let key): ("count-before", key)
            case .after(let key): ("count-after", key)
            }
            var total = 0
            var bound = start
            while true {
                let step = try step(operation, bound, 0)
                total += step.count
                guard let last = step.last else { return total }
                bound = last
            }
        }
    }

    // MARK: Scripts (KEYS[1] is `P{s}:`)

    static let common = """
        local FIELDS = {'sc', 's', 'i', 'n', 'c', 'r', 'e', 't'}
        local function load(base, key) return redis.call('HMGET', base .. 'k:' .. key, unpack(FIELDS)) end
        local function index(base, key)
          local f = redis.call('HMGET', base .. 'k:' .. key, 's', 'i', 'e')
          redis.call('SADD', base .. 's:' .. f[1], key)
          if f[2] then redis.call('SADD', base .. 'i:' .. f[2], key) end
          redis.call('ZADD', base .. 'all', 0, key)
          if f[3] then redis.call('ZADD', base .. 'e', f[3], key) else redis.call('ZREM', base .. 'e', key) end
        end
        local function unindex(base, key, s, i)
          if s then redis.call('SREM', base .. 's:' .. s, key) end
          if i then redis.call('SREM', base .. 'i:' .. i, key) end
        end
        local function drop(base, key, f)
          redis.call('DEL', base .. 'k:' .. key)
          unindex(base, key, f[2], f[3])
          redis.call('ZREM', base .. 'all', key)
          redis.call('ZREM', base .. 'e', key)
        end
        local function append(out, key, f)
          out[#out + 1] = key
          for j = 1, #FIELDS do out[#out + 1] = f[j] end
        end

        """

    static let create = RedisScript("session-create", common + """
        local base, key = KEYS[1], ARGV[1]
        local rk = base .. 'k:' .. key
        if redis.call('EXISTS', rk) == 1 then return 0 end
        redis.call('HSET', rk, unpack(ARGV, 2))
        index(base, key)
        return 1
        """)

    /// Replaces a session only if it exists: a renewal never resurrects a deleted session.
    static let update = RedisScript("session-update", common + """
        local base, key = KEYS[1], ARGV[1]
        local rk = base .. 'k:' .. key
        if redis.call('EXISTS', rk) == 0 then return 0 end
        local old = redis.call('HMGET', rk, 's', 'i')
        unindex(base, key, old[1], old[2])
        redis.call('DEL', rk)
        redis.call('HSET', rk, unpack(ARGV, 2))
        index(base, key)
        return 1
        """)

    static let delete = RedisScript("session-delete", common + """
        local base, key = KEYS[1], ARGV[1]
        if redis.call('EXISTS', base .. 'k:' .. key) == 0 then return 0 end
        drop(base, key, load(base, key))
        return 1
        """)

    /// Reads (`g`) or deletes (`d`) sessions with this exact subject and/or session id, from the smaller index,
    /// re-checking both fields and dropping stale index members.
    static let filter = RedisScript("session-filter", common + """
        local base, mode, sub, sid = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
        local set, field, value = nil, nil, nil
        if sub ~= '' then set, field, value = base .. 's:' .. sub, 2, sub end
        if sid ~= '' then
          local other = base .. 'i:' .. sid
          if set == nil or redis.call('SCARD', other) < redis.call('SCARD', set) then set, field, value = other, 3, sid end
        end
        local out, removed = {}, 0
        if set == nil then return out end
        for _, key in ipairs(redis.call('SMEMBERS', set)) do
          local f = load(base, key)
          if f[field] ~= value then
            redis.call('SREM', set, key)
          elseif (sub == '' or f[2] == sub) and (sid == '' or f[3] == sid) then
            if mode == 'd' then drop(base, key, f); removed = removed + 1 else append(out, key, f) end
          end
        end
        if mode == 'd' then return removed end
        return out
        """)

    /// Deletes and returns up to ARGV[2] sessions whose expiry is before ARGV[1], oldest first.
    static let claim = RedisScript("session-claim", common + """
        local base, now, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
        local out, n = {}, 0
        while n < limit do
          local batch = redis.call('ZRANGEBYSCORE', base .. 'e', '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit - n)
          if #batch == 0 then break end
          for _, key in ipairs(batch) do
            local f = load(base, key)
            if f[1] and f[7] and tonumber(f[7]) < now then
              drop(base, key, f)
              append(out, key, f)
              n = n + 1
            elseif f[1] and f[7] then
              redis.call('ZADD', base .. 'e', f[7], key)
            else
              redis.call('ZREM', base .. 'e', key)
            end
          end
        end
        return out
        """)

    /// Sessions one paging step examines at most, so that a query with a filter never holds the node for long: about a
    /// millisecond of server time. A query goes on from the last key a step examined.
    static let sessionsPerStep = 256

    /// One step of a paging query over the key-ordered set with the query's substring filters:
    /// ARGV = operation (`after`, `before`, `count-after`, `count-before`), has-bound, bound, limit, keys to examine,
    /// blank, then (present, value) for subject, session id and display name.
    /// Returns `{last key examined, count, [key, fields…]…}`; the key is nil when the range or the limit is exhausted.
    static let page = RedisScript("session-page", isRead: true, common + """
        local base, op, hasBound, bound, limit, budget = KEYS[1], ARGV[1], ARGV[2] == '1', ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
        local blank = ARGV[6] == '1'
        local filters = {{ARGV[7] == '1', ARGV[8], 2}, {ARGV[9] == '1', ARGV[10], 3}, {ARGV[11] == '1', ARGV[12], 4}}
        local all = base .. 'all'
        local function matches(f)
          if blank then return true end
          for _, filter in ipairs(filters) do
            if filter[1] then
              local value = f[filter[3]]
              if not value or not string.find(value, filter[2], 1, true) then return false end
            end
          end
          return true
        end
        local forward = op == 'after' or op == 'count-after'
        local listing = op == 'after' or op == 'before'
        local from = hasBound and ('(' .. bound) or (forward and '-' or '+')
        local to = forward and '+' or '-'
        if blank and not listing then
          if forward then return {false, redis.call('ZLEXCOUNT', all, from, to), {}} end
          return {false, redis.call('ZLEXCOUNT', all, to, from), {}}
        end
        local out, n, counted, spent = {}, 0, 0, 0
        while spent < budget do
          local keys
          if forward then keys = redis.call('ZRANGEBYLEX', all, from, to, 'LIMIT', 0, budget - spent)
          else keys = redis.call('ZREVRANGEBYLEX', all, from, to, 'LIMIT', 0, budget - spent) end
          if #keys == 0 then return {false, counted, out} end
          for _, key in ipairs(keys) do
            spent = spent + 1
            local f = load(base, key)
            if f[1] and matches(f) then
              if listing then
                append(out, key, f)
                n = n + 1
                if n >= limit then return {false, 0, out} end
              else
                counted = counted + 1
              end
            end
          end
          from = '(' .. keys[#keys]
        end
        return {string.sub(from, 2), counted, out}
        """)
}
