import Foundation
import IdentityStorage
import Testing

/// The one instant range of every store (`IdentityStorageLimits.storedInstants`): what a write accepts is exactly what
/// a read gives back, and nothing a caller passes traps on its way to the microsecond integer.
@Suite struct InstantRangeTests {
    private let range = IdentityStorageLimits.storedInstantMicroseconds

    @Test func theEdgesAreTheFirstMicrosecondOfYear1AndTheLastDateBeforeYear10000() throws {
        let (first, last) = (IdentityStorageLimits.storedInstants.lowerBound, IdentityStorageLimits.storedInstants.upperBound)
        #expect(first.microsecondsSince1970 == -62_135_596_800_000_000)
        #expect(last.microsecondsSince1970 == range.upperBound)
        #expect(try FieldValidation.instant(first, "first") == range.lowerBound)
        #expect(try FieldValidation.instant(last, "last") == range.upperBound)
        // No Date lies between the last accepted one and 10000-01-01T00:00:00Z.
        let next = Date(timeIntervalSinceReferenceDate: last.timeIntervalSinceReferenceDate.nextUp)
        #expect(next.microsecondsSince1970 == 253_402_300_800_000_000)
        #expect(throws: IdentityStorageError.self) { try FieldValidation.instant(next, "next") }
        let before = Date(timeIntervalSinceReferenceDate: first.timeIntervalSinceReferenceDate.nextDown)
        #expect(throws: IdentityStorageError.self) { try FieldValidation.instant(before, "before") }
    }

    @Test func dateDistantPastIsBeforeYear1AndRefusedOnWrite() {
        // Foundation's year 1 is the Julian one: two days before the proleptic Gregorian 0001-01-01.
        #expect(Date.distantPast.microsecondsSince1970 == range.lowerBound - 172_800_000_000)
        let error = #expect(throws: IdentityStorageError.self) { try FieldValidation.instant(Date.distantPast, "grant expiration") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("grant expiration must be an instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999968Z") == true)
    }

    @Test(arguments: [1e15, -1e15, .infinity, -.infinity, .nan, 1e300])
    func anInstantNoStoreHoldsIsRefusedNotTrapped(seconds: Double) {
        let instant = Date(timeIntervalSince1970: seconds)
        let error = #expect(throws: IdentityStorageError.self) { try FieldValidation.instant(instant, "signing key created") }
        #expect(error?.code == .invalidArgument && error?.message.hasPrefix("signing key created must be an instant from ") == true)
        _ = instant.microsecondsSince1970 // saturates instead of trapping
        _ = instant.roundedToStoragePrecision
    }

    @Test func microsecondsSaturateInsteadOfTrapping() {
        #expect(Date(timeIntervalSince1970: 1e15).microsecondsSince1970 == .max)
        #expect(Date(timeIntervalSince1970: -.infinity).microsecondsSince1970 == .min)
        #expect(Date(timeIntervalSince1970: .nan).microsecondsSince1970 == .min)
        let clock = ManualWallClock(start: Date(timeIntervalSince1970: 0))
        clock.advance(by: .infinity)
        #expect(clock.now.microsecondsSince1970 == .max)
    }

    @Test func whatAReadAcceptsRewritesUnchanged() throws {
        // Every stored value near either edge reads as a Date that a write accepts and stores as the same value, so a
        // row read back (copied to another backend, updated) never turns into one that a write refuses.
        for micros in Array(range.lowerBound ... range.lowerBound + 2_000) + Array(range.upperBound - 2_000 ... range.upperBound) {
            let date = try Date(storedMicroseconds: micros, what: "a stored instant")
            let written = try FieldValidation.instant(date, "instant")
            #expect(range.contains(written), "\(micros) µs reads as a Date a write refuses")
            #expect(try FieldValidation.instant(Date(microsecondsSince1970: written), "instant") == written, "\(micros) µs is not stable")
        }
        for micros in [range.lowerBound - 1, range.upperBound + 1, .min, .max] {
            #expect(throws: IdentityStorageError.self) { try Date(storedMicroseconds: micros, what: "a stored instant") }
        }
    }

    @Test func intervalsMustEndWithinTheRange() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let last = IdentityStorageLimits.storedInstants.upperBound
        #expect(try FieldValidation.instant(after: last.timeIntervalSince(now), from: now, "ttl") == last)
        for seconds in [last.timeIntervalSince(now) + 1, 1e15, .infinity, -1e15] {
            let error = #expect(throws: IdentityStorageError.self) { try FieldValidation.instant(after: seconds, from: now, "cache slidingExpiration") }
            #expect(error?.message.hasPrefix("cache slidingExpiration of ") == true && error?.message.contains("9999-12-31T23:59:59.999968Z") == true)
        }
        let options = CacheEntryOptions(absoluteExpirationRelativeToNow: 1e15)
        #expect(throws: IdentityStorageError.self) { try options.resolve(at: now) }
        #expect(throws: IdentityStorageError.self) { try CacheEntryOptions.absolute(Date(timeIntervalSince1970: .nan)).resolve(at: now) }
    }

    @Test func thresholdsRefuseOnlyNaN() throws {
        for seconds in [-Double.infinity, -1e15, 1e15, .infinity] {
            try FieldValidation.threshold(Date(timeIntervalSince1970: seconds), "ifNoKeyCreatedAfter")
        }
        #expect(throws: IdentityStorageError.self) { try FieldValidation.threshold(Date(timeIntervalSince1970: .nan), "ifNoKeyCreatedAfter") }
    }

    @Test func aURLTimeTooLongForADurationIsRefused() {
        #expect(StoreURLParameters.duration("1e300") == nil)
        #expect(StoreURLParameters.duration("1e20s") == nil)
        #expect(StoreURLParameters.duration("3600s") == .seconds(3600))
    }
}
