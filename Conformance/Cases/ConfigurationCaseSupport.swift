import Foundation
import IdentityStorage

/// Helpers shared by the configuration and key-material cases (clients, resources, identity providers,
/// signing keys, key ring). Namespaced so they cannot collide with other case files' helpers.
enum ConfigSupport {
    /// Mixed-script text: Latin with diacritics, CJK, RTL (Hebrew with points, Arabic), emoji (ZWJ sequence),
    /// a decomposed "é" and stacked combining marks.
    static let unicode = "Grüße ✓ 日本語 中文 עִבְרִית العربية 🚀👩‍👩‍👧 cafe\u{301} Z\u{324}\u{354}\u{367}\u{311}"

    /// Whether two optional strings have exactly the same UTF-8 bytes.
    static func sameBytes(_ lhs: String?, _ rhs: String?) -> Bool {
        String.exactlyEqual(lhs, rhs)
    }

    /// Fails unless `actual` has exactly the bytes of `expected`; the message gives lengths and the first
    /// differing byte offset instead of dumping (possibly megabyte-sized) values.
    static func expectSameBytes(_ actual: String?, _ expected: String?, _ what: @autoclosure () -> String,
                                file: String = #fileID, line: Int = #line) throws {
        if sameBytes(actual, expected) { return }
        guard let actual, let expected else {
            throw ConformanceFailure("\(what()): expected \(expected.map { "\($0.utf8.count) bytes" } ?? "nil"), got \(actual.map { "\($0.utf8.count) bytes" } ?? "nil")",
                                     file: file, line: line)
        }
        let a = Array(actual.utf8), e = Array(expected.utf8)
        var offset = 0
        while offset < a.count, offset < e.count, a[offset] == e[offset] { offset += 1 }
        func excerpt(_ bytes: [UInt8]) -> String {
            let slice = bytes[offset..<min(bytes.count, offset + 24)]
            return slice.map { String(format: "%02x", $0) }.joined(separator: " ")
        }
        throw ConformanceFailure("\(what()): bytes differ (expected \(e.count) bytes, got \(a.count)); first difference at byte \(offset): expected [\(excerpt(e))], got [\(excerpt(a))]",
                                 file: file, line: line)
    }

    /// A string of exactly `bytes` UTF-8 bytes: `prefix`, then two-byte "é"s, then "a" padding.
    static func text(bytes: Int, prefix: String = "") -> String {
        let remaining = bytes - prefix.utf8.count
        precondition(remaining >= 0, "prefix longer than the requested size")
        return prefix + String(repeating: "é", count: remaining / 2) + String(repeating: "a", count: remaining % 2)
    }

    /// A key of exactly `bytes` UTF-8 bytes starting with the case's namespace: two-byte "é"s, then at least
    /// two ASCII letters, so cutting it a byte or two short still ends on a character boundary.
    static func key(_ ctx: ConformanceContext, bytes: Int) -> String {
        let prefix = ctx.key("long-")
        let remaining = bytes - prefix.utf8.count
        precondition(remaining >= 2, "prefix longer than the requested size")
        let twoByte = (remaining - 2) / 2
        return prefix + String(repeating: "é", count: twoByte) + String(repeating: "a", count: remaining - 2 * twoByte)
    }

    /// Whether `values` are in strictly increasing byte order.
    static func strictlyIncreasingBytes(_ values: [String]) -> Bool {
        zip(values, values.dropFirst()).allSatisfy { ExactString($0) < ExactString($1) }
    }

    /// An instant `seconds` from the case's "now", at storage precision.
    static func instant(_ ctx: ConformanceContext, _ seconds: TimeInterval) -> Date {
        ctx.now.addingTimeInterval(seconds).roundedToStoragePrecision
    }

    /// A lower-case host name unique to the case, for CORS origins (origins are global across clients).
    static func host(_ ctx: ConformanceContext, _ label: String) -> String {
        (ctx.namespace + label + ".cors.example").lowercased()
    }

    /// `count` pseudo-random printable ASCII bytes (base64 alphabet), deterministic per `seed`.
    static func payload(bytes count: Int, seed: UInt64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        var out = [UInt8]()
        out.reserveCapacity(count)
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out.append(alphabet[Int(state >> 58)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Serialises cases that act on global state (the key ring, which is not namespaced) within one process,
/// so that such a case sees only its own changes between two reads. Cases of other stores never wait on it.
actor ConformanceSerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` while holding the gate.
    nonisolated func run(_ body: @Sendable () async throws -> Void) async throws {
        await acquire()
        do {
            try await body()
        } catch {
            await release()
            throw error
        }
        await release()
    }
}

extension ConformanceSuite {
    /// The gate every case that reads or writes the data-protection key ring holds for its whole run
    /// (the ring is global: a case comparing "before" and "after" must not see another case's elements).
    /// Any key-ring case added elsewhere (e.g. corrupted-element cases) should run inside it too.
    static let keyRingGate = ConformanceSerialGate()

    /// The gate the conditional signing-key cases hold: the conditional store decides on every key in the table,
    /// so two such cases (or two concurrent runs of the suite on one database in one process) must not overlap.
    static let signingKeyGate = ConformanceSerialGate()
}
