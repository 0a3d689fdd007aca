import Foundation
import IdentityStorage

// Operational stores: persisted grants, device flow, pushed authorization requests, CIBA requests.
// The cases live in Grant*.swift and Operational*.swift; this file assembles them and holds shared helpers.

extension ConformanceSuite {
    static let grantCases: [ConformanceCase] =
        grantBasicCases + grantKeyCases + grantFilterCases + grantRemoveMatchingCases + grantAtomicCases + grantBadInputCases
    static let deviceFlowCases: [ConformanceCase] = deviceFlowBasicCases + deviceFlowAtomicCases
    static let pushedAuthorizationCases: [ConformanceCase] = parCases
    static let backchannelCases: [ConformanceCase] = cibaCases
}

/// Helpers shared by the operational-store cases.
enum OpsKit {
    /// Race shape: keys per round, concurrent tasks per key, rounds per case.
    static let raceKeys = 16
    static let tasksPerKey = 8
    static let raceRounds = 3

    /// Precomposed "é" (U+00E9) and its decomposed form "e" + U+0301: equal for Swift `==`, distinct for stores.
    static let nfc = "\u{00E9}"
    static let nfd = "e\u{0301}"

    /// Emoji (ZWJ sequence), CJK, RTL, combining marks, zero-width and BOM characters.
    static let unicodeSample =
        "emoji 👩‍👩‍👧‍👦🔐🏳️‍🌈, CJK 漢字テスト한국어, RTL עברית العربية, combining e\u{301}a\u{308}o\u{302}\u{323}, ZW[\u{200B}\u{200D}] BOM[\u{FEFF}] tab\tnewline\n\"quote\" back\\slash"

    /// A string of at least `bytes` UTF-8 bytes mixing ASCII, multi-byte characters and JSON-special characters.
    static func payload(bytes: Int) -> String {
        let unit = "{\"k\":\"value-ü-漢-🔐\",\"n\":[1,2,3]}\n" // 41 bytes
        let count = (bytes + unit.utf8.count - 1) / unit.utf8.count
        return String(repeating: unit, count: count)
    }

    /// A key of exactly `bytes` UTF-8 bytes, starting with the case's namespace.
    static func key(_ ctx: ConformanceContext, _ name: String, bytes: Int) -> String {
        let base = ctx.key(name)
        precondition(base.utf8.count < bytes)
        return base + String(repeating: "k", count: bytes - base.utf8.count)
    }

    /// An ASCII string of exactly `bytes` bytes.
    static func text(bytes: Int) -> String { String(repeating: "d", count: bytes) }

    /// Whether `key` is a well-formed key (non-empty, no NUL, at most 200 bytes), safe to look up.
    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && !key.utf8.contains(0) && key.utf8.count <= IdentityStorageLimits.maxKeyBytes
    }

    /// `ctx.now` moved by `seconds`, at storage precision.
    static func time(_ ctx: ConformanceContext, _ seconds: TimeInterval) -> Date {
        ctx.now.addingTimeInterval(seconds).roundedToStoragePrecision
    }

    /// Byte-exact string equality (Swift `==` treats canonically equivalent strings as equal).
    static func sameBytes(_ a: String?, _ b: String?) -> Bool { String.exactlyEqual(a, b) }

    /// A readable, bounded rendering of a model for failure messages (instants as microseconds).
    static func render<T: Encodable>(_ value: T?) -> String {
        guard let value else { return "nil" }
        let text = (try? StorageJSON.string(value)) ?? String(describing: value)
        return text.utf8.count > 600 ? String(text.prefix(600)) + "… (\(text.utf8.count) bytes)" : text
    }

    /// Fails unless `actual` is non-nil and equal to `expected` field by field AND byte for byte
    /// (so a store that re-normalises Unicode or loses sub-second precision is caught). Returns the value.
    @discardableResult
    static func expectSame<T: Codable & Equatable>(_ actual: T?, _ expected: T, _ what: @autoclosure () -> String,
                                                   file: String = #fileID, line: Int = #line) throws -> T {
        guard let actual else {
            throw ConformanceFailure("\(what()): expected \(render(expected)), got nil", file: file, line: line)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let same = actual == expected && (try? encoder.encode(actual)) == (try? encoder.encode(expected))
        if !same {
            throw ConformanceFailure("\(what()): expected \(render(expected)), got \(render(actual))", file: file, line: line)
        }
        return actual
    }

    /// Sorted keys for stable messages.
    static func sorted(_ keys: some Sequence<String>) -> [String] { keys.sorted() }

    // MARK: Grants

    static func grant(_ ctx: ConformanceContext, _ key: String, type: String = PersistedGrantType.authorizationCode,
                      subjectId: String? = nil, sessionId: String? = nil, clientId: String? = nil,
                      description: String? = nil, expiresIn: TimeInterval? = 300, consumedTime: Date? = nil,
                      data: String? = nil) -> PersistedGrant {
        PersistedGrant(key: key, type: type, subjectId: subjectId, sessionId: sessionId, clientId: clientId ?? ctx.key("client"),
                       description: description, creationTime: ctx.now, expiration: expiresIn.map { time(ctx, $0) },
                       consumedTime: consumedTime, data: data ?? "{\"grant\":\"\(key)\"}")
    }

    /// Version `v` of a grant for the concurrent-store race: every field depends on `v`, so a mixed row shows.
    static func version(_ ctx: ConformanceContext, key: String, _ v: Int) -> PersistedGrant {
        let type = v % 2 == 0 ? PersistedGrantType.refreshToken : PersistedGrantType.referenceToken
        let subjectId: String? = v % 3 == 0 ? nil : ctx.key("sub\(v)")
        let sessionId: String? = v % 2 == 0 ? ctx.key("sid\(v)") : nil
        let expiration: Date? = v % 4 == 0 ? nil : time(ctx, 100 + Double(v))
        return PersistedGrant(key: key, type: type, subjectId: subjectId, sessionId: sessionId, clientId: ctx.key("client\(v)"),
                              description: "version \(v)", creationTime: time(ctx, Double(v)), expiration: expiration,
                              consumedTime: nil, data: "{\"version\":\(v)}")
    }

    /// Fails unless the store holds exactly `expected` under its key.
    static func expectStored(_ ctx: ConformanceContext, _ expected: PersistedGrant, _ what: @autoclosure () -> String,
                             file: String = #fileID, line: Int = #line) async throws {
        let stored = try await ctx.stores.grants.grant(forKey: expected.key)
        try expectSame(stored, expected, what(), file: file, line: line)
    }

    /// The keys of `grants`, failing on duplicates.
    static func keySet(_ grants: [PersistedGrant], _ what: @autoclosure () -> String,
                       file: String = #fileID, line: Int = #line) throws -> Set<String> {
        let keys = Set(grants.map(\.key))
        if keys.count != grants.count {
            throw ConformanceFailure("\(what()): a grant came back more than once: \(sorted(grants.map(\.key)))", file: file, line: line)
        }
        return keys
    }

    /// The filter test fixture of upstream's `GetAllAsync_Should_Filter`:
    /// sub1 × {c1,c2} × {s1,s2} × {t1,t2} (8 rows), (sub1,c3,s3,t3), and one row of another subject (other,c1,s1,t1).
    struct Matrix {
        let sub1, sub2, other: String
        let c1, c2, c3, c4: String
        let s1, s2, s3: String
        let t1, t2, t3: String
        let rows: [PersistedGrant]

        init(_ ctx: ConformanceContext) {
            sub1 = ctx.key("sub1"); sub2 = ctx.key("sub2"); other = ctx.key("other")
            c1 = ctx.key("c1"); c2 = ctx.key("c2"); c3 = ctx.key("c3"); c4 = ctx.key("c4")
            s1 = ctx.key("s1"); s2 = ctx.key("s2"); s3 = ctx.key("s3")
            t1 = ctx.key("t1"); t2 = ctx.key("t2"); t3 = ctx.key("t3")
            var rows: [PersistedGrant] = []
            for (ci, c) in [c1, c2].enumerated() {
                for (si, s) in [s1, s2].enumerated() {
                    for (ti, t) in [t1, t2].enumerated() {
                        rows.append(OpsKit.grant(ctx, ctx.key("g.c\(ci + 1).s\(si + 1).t\(ti + 1)"), type: t,
                                                 subjectId: sub1, sessionId: s, clientId: c))
                    }
                }
            }
            rows.append(OpsKit.grant(ctx, ctx.key("g.c3.s3.t3"), type: t3, subjectId: sub1, sessionId: s3, clientId: c3))
            rows.append(OpsKit.grant(ctx, ctx.key("g.other"), type: t1, subjectId: other, sessionId: s1, clientId: c1))
            self.rows = rows
        }

        var allKeys: Set<String> { Set(rows.map(\.key)) }

        /// The keys a filter should select, by an independent predicate (scalar and list fields already merged).
        func keys(subject: String? = nil, session: String? = nil, clients: Set<String>? = nil,
                  types: Set<String>? = nil) -> Set<String> {
            Set(rows.filter { row in
                (subject == nil || row.subjectId == subject)
                    && (session == nil || row.sessionId == session)
                    && (clients == nil || clients!.contains(row.clientId))
                    && (types == nil || types!.contains(row.type))
            }.map(\.key))
        }

        func store(in ctx: ConformanceContext) async throws {
            for row in rows { try await ctx.stores.grants.storeGrant(row) }
        }

        /// The fixture keys still stored.
        func survivors(in ctx: ConformanceContext) async throws -> Set<String> {
            var keys = Set<String>()
            for row in rows where try await ctx.stores.grants.grant(forKey: row.key) != nil { keys.insert(row.key) }
            return keys
        }
    }

    // MARK: Device flow

    static func device(_ ctx: ConformanceContext, _ name: String, subjectId: String? = nil, sessionId: String? = nil,
                       description: String? = nil, data: String? = nil) -> DeviceAuthorization {
        DeviceAuthorization(deviceCode: ctx.key("dc.\(name)"), userCode: ctx.key("uc.\(name)"), clientId: ctx.key("client"),
                            subjectId: subjectId, sessionId: sessionId, description: description, creationTime: ctx.now,
                            expiration: time(ctx, 300), data: data ?? "{\"device\":\"\(name)\"}")
    }

    /// Fails unless `expected` is found, identical, under both its codes.
    static func expectDeviceStored(_ ctx: ConformanceContext, _ expected: DeviceAuthorization, _ what: @autoclosure () -> String,
                                   file: String = #fileID, line: Int = #line) async throws {
        let byUser = try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: expected.userCode)
        try expectSame(byUser, expected, "\(what()) (by user code)", file: file, line: line)
        let byDevice = try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: expected.deviceCode)
        try expectSame(byDevice, expected, "\(what()) (by device code)", file: file, line: line)
    }

    /// Fails if either code finds anything.
    static func expectDeviceAbsent(_ ctx: ConformanceContext, deviceCode: String, userCode: String,
                                   _ what: @autoclosure () -> String, file: String = #fileID, line: Int = #line) async throws {
        try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forDeviceCode: deviceCode),
                      "\(what()) (by device code)", file: file, line: line)
        try expectNil(try await ctx.stores.deviceFlow.deviceAuthorization(forUserCode: userCode),
                      "\(what()) (by user code)", file: file, line: line)
    }

    // MARK: PAR

    static func par(_ ctx: ConformanceContext, _ name: String, expiresIn: TimeInterval = 60,
                    parameters: String? = nil) -> PushedAuthorizationRequest {
        PushedAuthorizationRequest(referenceValueHash: ctx.key("par.\(name)"), expiresAt: time(ctx, expiresIn),
                                   parameters: parameters ?? "{\"client_id\":\"c\",\"scope\":\"openid\",\"name\":\"\(name)\"}")
    }

    // MARK: CIBA

    static func ciba(_ ctx: ConformanceContext, _ internalName: String? = nil, subjectId: String? = nil, clientId: String? = nil,
                     createdAgo: TimeInterval = 0, lifetime: Int = 300, isComplete: Bool = false) -> BackchannelAuthenticationRequest {
        BackchannelAuthenticationRequest(internalId: internalName.map { ctx.key("ciba.\($0)") } ?? "",
                                         creationTime: time(ctx, -createdAgo), lifetime: lifetime,
                                         clientId: clientId ?? ctx.key("client"), subjectId: subjectId ?? ctx.key("sub"),
                                         requestedScopes: ["openid", "profile"], isComplete: isComplete)
    }

    /// The store's internal id for a public CIBA request id (opens the existential to call the static).
    static func internalId<S: BackchannelAuthenticationRequestStore>(_ store: S, _ publicId: String) -> String {
        S.internalId(forAuthenticationRequestId: publicId)
    }
}
