import Foundation
import IdentityStorage

/// Device authorizations under one hash tag: a hash per device code, a user-code → device-code string, and an
/// expiration set. Both codes are written (and removed) together by one script.
struct RedisDeviceFlowStore: DeviceFlowStore {
    let context: RedisStoreContext

    static let fields = ["uc", "c", "s", "i", "d", "ct", "e", "v"]

    private var base: RedisKeyspace.Base { context.keys.deviceFlow }

    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        var fields = RedisFields()
        fields.add("uc", authorization.userCode)
        fields.add("c", authorization.clientId)
        fields.add("s", authorization.subjectId)
        fields.add("i", authorization.sessionId)
        fields.add("d", authorization.description)
        fields.add("ct", authorization.creationTime)
        fields.add("e", authorization.expiration)
        fields.add("v", authorization.data)
        let reply = try await run(Self.store, [RedisValue.bytes(authorization.deviceCode), RedisValue.bytes(authorization.userCode),
                                               RedisValue.micros(authorization.expiration)] + fields.arguments, "storing device authorization")
        switch try reply.integerValue() {
        case 1: return
        case -1: throw IdentityStorageError.duplicate("the device code is already in use")
        default: throw IdentityStorageError.duplicate("the user code is already in use")
        }
    }

    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        return try Self.decodeOne(try await run(Self.byUserCode, [RedisValue.bytes(userCode)], "reading device authorization"))
    }

    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        let reply = try await context.client.run(RedisCommand([RedisValue.bytes("HMGET"), base.key("k", deviceCode)] + Self.fields.map(RedisValue.bytes),
                                                              slot: base.slot), "reading device authorization")
        return try Self.decode(deviceCode: deviceCode, reply.items()[...])
    }

    @discardableResult
    func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try FieldValidation.key(userCode, "userCode")
        try authorization.validate()
        var arguments = [RedisValue.bytes(userCode)]
        for value in [authorization.subjectId, authorization.sessionId, authorization.description] {
            arguments.append(RedisValue.bytes(value == nil ? "0" : "1"))
            arguments.append(RedisValue.bytes(value ?? ""))
        }
        arguments.append(RedisValue.bytes(authorization.data))
        return try await run(Self.update, arguments, "updating device authorization").integerValue() == 1
    }

    @discardableResult
    func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try await takeDeviceAuthorization(forDeviceCode: deviceCode) != nil
    }

    func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return try Self.decodeOne(try await run(Self.take, [RedisValue.bytes(deviceCode)], "taking device authorization"))
    }

    /// Deletes up to `limit` authorizations that expired before now, oldest first, under both codes.
    func removeExpired(limit: Int) async throws -> [DeviceAuthorization] {
        let now = RedisValue.micros(context.clock.now)
        return try await RedisCleanupSteps.remove(limit: limit) { [self] asked in
            try Self.decodeList(try await run(Self.clean, [now, RedisValue.bytes(asked)], "removing expired device authorizations"))
        }.sorted { ($0.expiration, ExactString($0.deviceCode)) < ($1.expiration, ExactString($1.deviceCode)) }
    }

    private func run(_ script: RedisScript, _ arguments: [[UInt8]], _ what: String) async throws -> RedisReply {
        try await context.client.run(RedisCommand(script: script, keys: [base.bytes], arguments: arguments, slot: base.slot), what)
    }

    // MARK: Decoding

    static func decode(deviceCode: String, _ values: ArraySlice<RedisReply>) throws(IdentityStorageError) -> DeviceAuthorization? {
        guard values.count >= fields.count else { return nil }
        var f: [[UInt8]?] = []
        for value in values { f.append(try value.optionalBytes()) }
        guard let userCode = f[0] else { return nil }
        let what = "device authorization \(deviceCode)"
        return DeviceAuthorization(deviceCode: deviceCode, userCode: try RedisValue.text(userCode, "\(what) user code"),
                                   clientId: try RedisValue.text(try RedisValue.required(f[1], "\(what) client id"), "\(what) client id"),
                                   subjectId: try RedisValue.optionalText(f[2], "\(what) subject"),
                                   sessionId: try RedisValue.optionalText(f[3], "\(what) session id"),
                                   description: try RedisValue.optionalText(f[4], "\(what) description"),
                                   creationTime: try RedisValue.date(f[5], "\(what) creation time"),
                                   expiration: try RedisValue.date(f[6], "\(what) expiration"),
                                   data: try RedisValue.text(try RedisValue.required(f[7], "\(what) data"), "\(what) data"))
    }

    /// `[device code, eight fields, …]`.
    static func decodeList(_ reply: RedisReply) throws(IdentityStorageError) -> [DeviceAuthorization] {
        let items = try reply.items()
        let stride = fields.count + 1
        var result: [DeviceAuthorization] = []
        var index = 0
        while index + stride <= items.count {
            let code = try RedisValue.text(try RedisValue.required(try items[index].optionalBytes(), "device code"), "device code")
            if let authorization = try decode(deviceCode: code, items[(index + 1)..<(index + stride)]) { result.append(authorization) }
            index += stride
        }
        return result
    }

    static func decodeOne(_ reply: RedisReply) throws(IdentityStorageError) -> DeviceAuthorization? {
        try decodeList(reply).first
    }

    // MARK: Scripts (KEYS[1] is `P{d}:`)

    static let common = """
        local FIELDS = {'uc', 'c', 's', 'i', 'd', 'ct', 'e', 'v'}
        local function load(base, code) return redis.call('HMGET', base .. 'k:' .. code, unpack(FIELDS)) end
        local function drop(base, code, f)
          redis.call('DEL', base .. 'k:' .. code)
          if f[1] and redis.call('GET', base .. 'u:' .. f[1]) == code then redis.call('DEL', base .. 'u:' .. f[1]) end
          redis.call('ZREM', base .. 'e', code)
        end
        local function result(code, f)
          local out = {code}
          for j = 1, #FIELDS do out[#out + 1] = f[j] end
          return out
        end

        """

    /// 1 stored, -1 device code in use, -2 user code in use (nothing written then).
    static let store = RedisScript("device-store", common + """
        local base, code, user, expiration = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
        if redis.call('EXISTS', base .. 'k:' .. code) == 1 then return -1 end
        if redis.call('EXISTS', base .. 'u:' .. user) == 1 then return -2 end
        redis.call('HSET', base .. 'k:' .. code, unpack(ARGV, 4))
        redis.call('SET', base .. 'u:' .. user, code)
        redis.call('ZADD', base .. 'e', expiration, code)
        return 1
        """)

    static let byUserCode = RedisScript("device-by-user-code", isRead: true, common + """
        local base, user = KEYS[1], ARGV[1]
        local code = redis.call('GET', base .. 'u:' .. user)
        if not code then return {} end
        local f = load(base, code)
        if f[1] ~= user then return {} end
        return result(code, f)
        """)

    /// Changes subject, session id, description and data; codes, client and times stay.
    static let update = RedisScript("device-update", common + """
        local base, user = KEYS[1], ARGV[1]
        local code = redis.call('GET', base .. 'u:' .. user)
        if not code then return 0 end
        local rk = base .. 'k:' .. code
        if redis.call('HGET', rk, 'uc') ~= user then return 0 end
        local names = {'s', 'i', 'd'}
        for j = 1, 3 do
          if ARGV[2 * j] == '1' then redis.call('HSET', rk, names[j], ARGV[2 * j + 1]) else redis.call('HDEL', rk, names[j]) end
        end
        redis.call('HSET', rk, 'v', ARGV[8])
        return 1
        """)

    static let take = RedisScript("device-take", common + """
        local base, code = KEYS[1], ARGV[1]
        if redis.call('EXISTS', base .. 'k:' .. code) == 0 then return {} end
        local f = load(base, code)
        drop(base, code, f)
        return result(code, f)
        """)

    static let clean = RedisScript("device-clean", common + """
        local base, now, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
        local out, n = {}, 0
        while n < limit do
          local batch = redis.call('ZRANGEBYSCORE', base .. 'e', '-inf', '(' .. ARGV[1], 'LIMIT', 0, limit - n)
          if #batch == 0 then break end
          for _, code in ipairs(batch) do
            local f = load(base, code)
            if f[1] and f[7] and tonumber(f[7]) < now then
              drop(base, code, f)
              out[#out + 1] = code
              for j = 1, #FIELDS do out[#out + 1] = f[j] end
              n = n + 1
            elseif f[1] and f[7] then
              redis.call('ZADD', base .. 'e', f[7], code)
            else
              redis.call('ZREM', base .. 'e', code)
            end
          end
        end
        return out
        """)
}
