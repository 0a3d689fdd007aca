import Foundation
import IdentityStorage
import Testing

@Suite("Filters")
struct FilterTests {
    @Test func aFamilyFilterMatchesMembersAndAFamilyOfOne() throws {
        let filter = PersistedGrantFilter(familyId: "f").normalized
        let root = PersistedGrant(key: "f", type: "refresh_token", clientId: "c", creationTime: Date(), data: "")
        var member = root
        member.key = "m"
        member.familyId = "f"
        var other = root
        other.familyId = "g"
        #expect(filter.matches(root) && filter.matches(member) && !filter.matches(other))
        #expect(throws: IdentityStorageError.self) { try PersistedGrantFilter(familyId: "f\u{0}").validate() }
    }

    @Test func emptyGrantFilterIsRejected() {
        for filter in [PersistedGrantFilter(), PersistedGrantFilter(subjectId: "", sessionId: "  ", clientId: "\t", type: "\n"),
                       PersistedGrantFilter(familyId: " ")] {
            #expect(throws: IdentityStorageError.self) { try filter.validate() }
        }
    }

    @Test(arguments: [
        PersistedGrantFilter(subjectId: "s"), PersistedGrantFilter(sessionId: "s"), PersistedGrantFilter(clientId: "c"),
        PersistedGrantFilter(clientIds: []), PersistedGrantFilter(type: "t"), PersistedGrantFilter(types: []),
        PersistedGrantFilter(subjectId: "s", sessionId: "x", clientId: "c", type: "t"), PersistedGrantFilter(familyId: "f"),
    ])
    func anySingleValueIsEnough(filter: PersistedGrantFilter) throws {
        try filter.validate()
    }

    @Test func listsMergeWithScalars() {
        let normalized = PersistedGrantFilter(clientId: "c", clientIds: ["a", "b"], type: " ", types: []).normalized
        #expect(normalized.clientIds == [ExactString("a"), ExactString("b"), ExactString("c")])
        #expect(normalized.types == [])
        #expect(normalized.matchesNothing)
        #expect(PersistedGrantFilter(clientIds: [], type: "t").normalized.matchesNothing)
        #expect(!PersistedGrantFilter(clientId: "c", clientIds: []).normalized.matchesNothing)
    }

    @Test func matchingIsByteExact() {
        let grant = PersistedGrant(key: "k", type: "t", subjectId: "caf\u{E9}", clientId: "c", creationTime: Date(), data: "")
        #expect(PersistedGrantFilter(subjectId: "caf\u{E9}").normalized.matches(grant))
        #expect(!PersistedGrantFilter(subjectId: "cafe\u{301}").normalized.matches(grant), "NFD must not match NFC")
        #expect(!PersistedGrantFilter(subjectId: "CAF\u{C9}").normalized.matches(grant))
    }

    @Test func sessionFilterNeedsSubjectOrSession() throws {
        #expect(throws: IdentityStorageError.self) { try SessionFilter().validate() }
        #expect(throws: IdentityStorageError.self) { try SessionFilter(subjectId: " ", sessionId: "").validate() }
        try SessionFilter(subjectId: "s").validate()
        try SessionFilter(sessionId: "s").validate()
    }

    @Test func cacheOptionsRules() throws {
        let now = Date(microsecondsSince1970: 1_000_000_000_000_000)
        #expect(throws: IdentityStorageError.self) { try CacheEntryOptions.absolute(now).resolve(at: now) }
        #expect(throws: IdentityStorageError.self) { try CacheEntryOptions.relative(0).resolve(at: now) }
        #expect(throws: IdentityStorageError.self) { try CacheEntryOptions.sliding(-1).resolve(at: now) }
        let both = try CacheEntryOptions(absoluteExpiration: now.addingTimeInterval(100), absoluteExpirationRelativeToNow: 10).resolve(at: now)
        #expect(both.expiresAt == now.addingTimeInterval(10))
        let capped = try CacheEntryOptions(absoluteExpiration: now.addingTimeInterval(5), slidingExpiration: 10).resolve(at: now)
        #expect(capped.expiresAt == now.addingTimeInterval(5))
        #expect(try CacheEntryOptions.none.resolve(at: now).expiresAt == nil)
    }

    @Test(arguments: [
        ("https://Example.COM", "https://example.com"), ("https://example.com:443", "https://example.com"),
        ("http://example.com:80/", "http://example.com"), ("http://example.com:8080", "http://example.com:8080"),
        ("HTTPS://[::1]:8443", "https://[::1]:8443"),
    ])
    func corsNormalisation(input: String, expected: String) throws {
        #expect(try CorsOrigin.normalize(input) == expected)
    }

    @Test(arguments: ["example.com", "ftp://example.com", "https://example.com/path", "https://", "https://a:0", "https://u@h"])
    func corsRejects(input: String) {
        #expect(CorsOrigin.normalizedOrNil(input) == nil)
    }

    @Test func microsecondRoundTrip() {
        for micros: Int64 in [0, 1, -1, -2_208_988_800_000_001, 1_700_000_000_123_456, 4_102_444_800_000_001] {
            #expect(Date(microsecondsSince1970: micros).microsecondsSince1970 == micros)
        }
    }

    @Test func roundingIsStableForFarDates() {
        // Beyond about year 2255 a Date (a Double) cannot hold every microsecond; rounding must still be idempotent.
        for micros: Int64 in [253_402_300_799_999_999, -62_135_596_800_000_000] {
            let once = Date(microsecondsSince1970: micros).roundedToStoragePrecision
            #expect(once.roundedToStoragePrecision == once)
            #expect(abs(once.microsecondsSince1970 - micros) < 1_000)
        }
    }
}
