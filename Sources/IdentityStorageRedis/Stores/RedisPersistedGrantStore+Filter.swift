import Foundation
import IdentityStorage

/// Reading and removing grants by filter in bounded steps.
///
/// Redis runs one command at a time, so a script that walked a whole index would hold its node for as long as the
/// index is large, and every other client of that node would wait (or get `BUSY` once it passes the busy-script
/// threshold); on a starved CPU that was seconds for a filter of 10,000 client ids. Here every script does a bounded
/// amount of work and the client loops:
/// 1. **Plan**, per bucket: the index with the fewest members among the filter's fields (subject, session, family,
///    clients, types), sized with `SCARD`. The first walk step chooses it when no list is longer than
///    ``valuesPerStep`` (one round trip for the usual filters); otherwise the client sizes the indexes in chunks of
///    ``valuesPerStep`` values, stopping as soon as an index cannot be the smallest. A filter with one field skips this.
/// 2. **Walk**: that index's sets, each read whole when it fits in the step and by `SSCAN` otherwise, at most
///    ``membersPerStep`` members and ``valuesPerStep`` sets per script, returning the members that match every field
///    the script can check (a list too long to send with each step is checked by the client,
///    ``PersistedGrantFilter/Normalized/matches(_:)``); members whose grant no longer carries the indexed value are
///    dropped from the index on the way.
/// 3. **Remove** (removals only): a script per at most ``membersPerStep`` matched grants, which removes each only if it
///    still has the subject, session, family, client and type it was matched with, and counts what it removed.
///
/// A read assembled from steps sees every grant that is stored throughout it exactly once; a grant stored or removed
/// while it runs may or may not be seen (`SSCAN`'s guarantee; a grant seen twice is returned once). A removal reports exactly the grants
/// it removed, however many callers remove or store at once.
extension RedisPersistedGrantStore {
    /// Index members one walk script visits at most (about a millisecond of server time).
    static let membersPerStep = 256
    /// Values of a list field (client ids, types) one script receives at most.
    static let valuesPerStep = 256

    /// One field's index in a bucket: sets `kind:value` whose members carry `value` at field position `field`;
    /// `number` names it to the walk script (1 subject, 2 session, 3 family, 4 clients, 5 types).
    struct FilterIndex: Sendable {
        let number: Int
        let kind: String
        let field: Int
        let values: [String]
    }

    /// Grants of every bucket that match `filter`, in bucket order; with `removing`, each matched grant is removed and
    /// only those this call removed are returned.
    func stepThroughGrants(matching filter: PersistedGrantFilter.Normalized, removing: Bool) async throws -> [PersistedGrant] {
        let bases = context.keys.grants
        let candidates = Self.candidates(filter)
        // Short lists: the first step of each bucket chooses among them; long ones are sized first, in chunks.
        let choices = candidates.count > 1 && candidates.allSatisfy({ $0.values.count <= Self.valuesPerStep })
            ? bases.map { _ in candidates }
            : try await plan(candidates, bases: bases).map { $0.map { [$0] } ?? [] }
        let check = Self.checkArguments(filter)
        var walks = choices.enumerated().compactMap { bucket, choice in
            choice.isEmpty ? nil : Walk(bucket: bucket, candidates: choice, familyId: filter.familyId, check: check)
        }
        var seen = Set<ExactString>()
        var result: [PersistedGrant] = []
        while !walks.isEmpty {
            let commands = walks.map { $0.command(base: bases[$0.bucket], isRead: !removing) }
            let replies = try await context.client.runAll(commands, removing ? "finding grants to remove by filter" : "reading grants by filter")
            var matched: [(bucket: Int, grants: [PersistedGrant])] = []
            for (position, reply) in replies.enumerated() {
                let items = try reply.items()
                guard items.count == 4 else { throw IdentityStorageError.corruptedData("a grant filter step returned \(items.count) items, not 4") }
                try walks[position].advance(chosen: Int(try items[3].integerValue()), done: Int(try items[0].integerValue()),
                                            cursor: try items[1].optionalBytes() ?? [])
                let grants = try Self.decodeList(items[2]).filter { filter.matches($0) && seen.insert(ExactString($0.key)).inserted }
                if !grants.isEmpty { matched.append((walks[position].bucket, grants)) }
            }
            walks.removeAll(where: \.isFinished)
            result += removing ? try await remove(matched, filter, bases: bases) : matched.flatMap(\.grants)
        }
        return result
    }

    /// The indexes a filter can walk: one per set field.
    private static func candidates(_ filter: PersistedGrantFilter.Normalized) -> [FilterIndex] {
        var candidates: [FilterIndex] = []
        if let subject = filter.subjectId { candidates.append(FilterIndex(number: 1, kind: "s", field: 2, values: [subject])) }
        if let session = filter.sessionId { candidates.append(FilterIndex(number: 2, kind: "i", field: 3, values: [session])) }
        if let family = filter.familyId { candidates.append(FilterIndex(number: 3, kind: "f", field: 10, values: [family])) }
        if let clients = filter.clientIds { candidates.append(FilterIndex(number: 4, kind: "c", field: 4, values: clients.map(\.value).sorted())) }
        if let types = filter.types { candidates.append(FilterIndex(number: 5, kind: "t", field: 1, values: types.map(\.value).sorted())) }
        return candidates
    }

    /// The filter as the walk script checks it: `subject, session, family` (empty: any), then the client ids and the
    /// types, each as a count and the values, or -1 (any, or a list too long to send with every step: the client
    /// checks it).
    private static func checkArguments(_ filter: PersistedGrantFilter.Normalized) -> [[UInt8]] {
        var arguments = [filter.subjectId ?? "", filter.sessionId ?? "", filter.familyId ?? ""].map { RedisValue.bytes($0) }
        for list in [filter.clientIds, filter.types] {
            if let list, list.count <= valuesPerStep {
                arguments.append(RedisValue.bytes(list.count))
                arguments += list.map { RedisValue.bytes($0.value) }
            } else {
                arguments.append(RedisValue.bytes("-1"))
            }
        }
        return arguments
    }

    /// The smallest index of each bucket, sized in chunks (nil: the filter sets no field; `validate` refuses that).
    private func plan(_ candidates: [FilterIndex], bases: [RedisKeyspace.Base]) async throws -> [FilterIndex?] {
        guard candidates.count > 1 else { return bases.map { _ in candidates.first } }
        var best: [(index: FilterIndex, size: Int)?] = bases.map { _ in nil }
        for candidate in candidates {
            // Each bucket sums this index's sets chunk by chunk while it can still be smaller than the bucket's best.
            var sizes = [Int](repeating: 0, count: bases.count)
            var open = Array(bases.indices).filter { best[$0].map { $0.size > 0 } ?? true }
            for start in stride(from: 0, to: candidate.values.count, by: Self.valuesPerStep) where !open.isEmpty {
                let chunk = candidate.values[start..<min(candidate.values.count, start + Self.valuesPerStep)]
                let commands = open.map { bucket in
                    let cap = best[bucket].map { $0.size - sizes[bucket] } ?? -1
                    return RedisCommand(script: Self.indexSize, keys: [bases[bucket].bytes],
                                        arguments: [RedisValue.bytes(candidate.kind), RedisValue.bytes(cap)] + chunk.map { RedisValue.bytes($0) },
                                        slot: bases[bucket].slot)
                }
                for (bucket, reply) in zip(open, try await context.client.runAll(commands, "planning a grant filter")) {
                    sizes[bucket] += Int(try reply.integerValue())
                }
                open.removeAll { bucket in best[bucket].map { sizes[bucket] >= $0.size } ?? false }
            }
            for bucket in bases.indices where best[bucket].map({ sizes[bucket] < $0.size }) ?? true {
                best[bucket] = (candidate, sizes[bucket])
            }
        }
        return best.map { $0?.index }
    }

    /// Removes the matched grants of each bucket with scripts that re-check them; returns those removed.
    private func remove(_ matched: [(bucket: Int, grants: [PersistedGrant])], _ filter: PersistedGrantFilter.Normalized,
                        bases: [RedisKeyspace.Base]) async throws -> [PersistedGrant] {
        var commands: [RedisCommand] = []
        var batches: [ArraySlice<PersistedGrant>] = []
        for (bucket, grants) in matched {
            for start in stride(from: 0, to: grants.count, by: Self.membersPerStep) {
                let batch = grants[start..<min(grants.count, start + Self.membersPerStep)]
                var arguments = [filter.subjectId ?? "", filter.sessionId ?? "", filter.familyId ?? ""].map { RedisValue.bytes($0) }
                for grant in batch { arguments += [grant.key, grant.type, grant.clientId].map { RedisValue.bytes($0) } }
                commands.append(RedisCommand(script: Self.removeMatched, keys: [bases[bucket].bytes], arguments: arguments, slot: bases[bucket].slot))
                batches.append(batch)
            }
        }
        var removed: [PersistedGrant] = []
        for (batch, reply) in zip(batches, try await context.client.runAll(commands, "removing grants by filter")) {
            let flags = try reply.items()
            for (grant, flag) in zip(batch, flags) where try flag.integerValue() == 1 { removed.append(grant) }
        }
        return removed
    }

    /// Where one bucket's walk is: the index (or the candidates its first step chooses among), how many of its values
    /// are done, and the scan cursor in the next one.
    private struct Walk {
        let bucket: Int
        var candidates: [FilterIndex]
        /// A family of one is the grant of that key without a family, in no family index: the first step reads it
        /// when it walks the family index.
        let familyId: String?
        let check: [[UInt8]]
        var isFirst = true
        var position = 0
        var cursor: [UInt8] = Array("0".utf8)

        init(bucket: Int, candidates: [FilterIndex], familyId: String?, check: [[UInt8]]) {
            self.bucket = bucket
            self.candidates = candidates
            self.familyId = familyId
            self.check = check
        }

        var isFinished: Bool { !isFirst && position >= candidates[0].values.count }

        func command(base: RedisKeyspace.Base, isRead: Bool) -> RedisCommand {
            let walked = candidates.count == 1 ? candidates[0] : nil
            var arguments = [RedisValue.bytes(walked?.kind ?? "?"), RedisValue.bytes(walked?.field ?? 0), cursor,
                             RedisValue.bytes(RedisPersistedGrantStore.membersPerStep), RedisValue.bytes(isFirst ? familyId ?? "" : "")] + check
            if let walked {
                let values = walked.values[position..<min(walked.values.count, position + RedisPersistedGrantStore.valuesPerStep)]
                arguments += values.map { RedisValue.bytes($0) }
            }
            return RedisCommand(script: RedisPersistedGrantStore.walk, keys: [base.bytes], arguments: arguments, slot: base.slot, isRead: isRead)
        }

        /// After a step: `chosen` is the number of the index a choosing step walked (0 when it did not choose).
        mutating func advance(chosen: Int, done: Int, cursor: [UInt8]) throws(IdentityStorageError) {
            if candidates.count > 1 {
                guard let index = candidates.first(where: { $0.number == chosen }) else { throw .corruptedData("a grant filter step chose index \(chosen)") }
                candidates = [index]
            }
            position += done
            self.cursor = cursor
            isFirst = false
        }
    }

    // MARK: Scripts (KEYS[1] is the bucket's `P{g:NN}:`)

    /// The members of sets `ARGV[1]:value` for ARGV[3…], stopping early once the sum reaches ARGV[2] (-1: never).
    static let indexSize = RedisScript("grant-index-size", isRead: true, """
        local base, kind, cap = KEYS[1], ARGV[1], tonumber(ARGV[2])
        local n = 0
        for j = 3, #ARGV do
          n = n + redis.call('SCARD', base .. kind .. ':' .. ARGV[j])
          if cap >= 0 and n >= cap then return n end
        end
        return n
        """)

    /// One walk step over sets `ARGV[1]:value` from `SSCAN` cursor ARGV[3] in the first set, visiting about ARGV[4]
    /// members; a member whose grant no longer has the value at field ARGV[2] is dropped from the set. ARGV[6…] is the
    /// filter (see `checkArguments`), then the values to walk. ARGV[1] `?`: the step walks whichever of the filter's
    /// indexes has the fewest members (no list is long then). ARGV[5], when not empty, is a family id whose own key is
    /// read first when the family index is walked. Returns `{values done, cursor in the next, [key, fields…] of the
    /// grants that match the checked fields, the number of the index a choosing step walked (0: none chosen)}`.
    static let walk = RedisScript("grant-walk", common + """
        local base, kind, field, cursor, budget, family = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
        local sub, sid, fam, pos = ARGV[6], ARGV[7], ARGV[8], 9
        local function list()
          local n, from = tonumber(ARGV[pos]), pos + 1
          pos = pos + 1 + math.max(n, 0)
          if n < 0 then return nil, 0, -1 end
          local set = {}
          for v = from, from + n - 1 do set[ARGV[v]] = true end
          return set, from, from + n - 1
        end
        local clients, clientsFrom, clientsTo = list()
        local types, typesFrom, typesTo = list()
        local first, last, chosen, best = pos, #ARGV, 0, nil
        local function consider(number, k, f, from, to)
          local size = 0
          for v = from, to do
            size = size + redis.call('SCARD', base .. k .. ':' .. ARGV[v])
            if best and size >= best then return end
          end
          best, chosen, kind, field, first, last = size, number, k, f, from, to
        end
        if kind == '?' then
          if sub ~= '' then consider(1, 's', 2, 6, 6) end
          if sid ~= '' then consider(2, 'i', 3, 7, 7) end
          if fam ~= '' then consider(3, 'f', 10, 8, 8) end
          if clients then consider(4, 'c', 4, clientsFrom, clientsTo) end
          if types then consider(5, 't', 1, typesFrom, typesTo) end
        end
        field = tonumber(field)
        local out, spent, j = {}, 0, first
        local function visit(key, f)
          if f[1] and (sub == '' or f[2] == sub) and (sid == '' or f[3] == sid) and (fam == '' or (f[10] or key) == fam)
             and (clients == nil or clients[f[4]]) and (types == nil or types[f[1]]) then
            out[#out + 1] = key
            for i = 1, #FIELDS do out[#out + 1] = f[i] end
          end
        end
        if family ~= '' and kind == 'f' then visit(family, load(base, family)) end
        while j <= last and spent < budget do
          local value = ARGV[j]
          local set = base .. kind .. ':' .. value
          -- A set that fits in what is left of the step is read whole (cheaper than a scan, and the usual case).
          local members
          -- (A choosing step has just counted a one-value index.)
          local size = (j == first and first == last and best) or redis.call('SCARD', set)
          if cursor == '0' and size <= budget - spent then
            members = redis.call('SMEMBERS', set)
          else
            local page = redis.call('SSCAN', set, cursor, 'COUNT', 64)
            members, cursor = page[2], page[1]
          end
          spent = spent + 1
          for _, key in ipairs(members) do
            local f = load(base, key)
            spent = spent + 1
            if f[field] ~= value then redis.call('SREM', set, key) else visit(key, f) end
          end
          if cursor == '0' then j = j + 1 end
        end
        return {j - first, cursor, out, chosen}
        """)

    /// Removes each grant of the triples `key, type, client` from ARGV[4…] that still has that type and client and the
    /// subject, session and family ARGV[1…3] (empty: any); answers 1 or 0 for each.
    static let removeMatched = RedisScript("grant-remove-matched", common + """
        local base, sub, sid, fam = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
        local out = {}
        for j = 4, #ARGV, 3 do
          local key = ARGV[j]
          local f = load(base, key)
          if f[1] == ARGV[j + 1] and f[4] == ARGV[j + 2] and (sub == '' or f[2] == sub) and (sid == '' or f[3] == sid)
             and (fam == '' or (f[10] or key) == fam) then
            drop(base, key, f)
            out[#out + 1] = 1
          else
            out[#out + 1] = 0
          end
        end
        return out
        """)
}
