import Foundation

/// Device-flow throttling on any ``DistributedCache`` through its atomic ``DistributedCache/getAndSet(_:value:options:)``:
/// the last poll time is swapped in one step, so concurrent polls cannot both read the same previous poll.
public struct CacheBackedDeviceFlowThrottling: DeviceFlowThrottling {
    /// The cache the poll records live in.
    public var cache: any DistributedCache
    /// The clock a poll's time is read from.
    public var clock: any WallClock
    /// How long a record lives when the device code has already expired (upstream #3860: never in the past).
    public var minimumRecordLifetime: TimeInterval

    /// Throttling records in `cache`, timed by `clock`.
    public init(cache: any DistributedCache, clock: any WallClock = SystemWallClock(), minimumRecordLifetime: TimeInterval = 60) {
        self.cache = cache
        self.clock = clock
        self.minimumRecordLifetime = minimumRecordLifetime
    }

    public func shouldSlowDown(key: String, interval: TimeInterval, expiration: Date) async throws -> Bool {
        try FieldValidation.key(key, "throttling key")
        try FieldValidation.instant(expiration, "throttling expiration")
        if !interval.isFinite { throw IdentityStorageError.invalidArgument("throttling interval must be a finite number of seconds (got \(interval))") }
        let now = clock.now
        let until = expiration > now ? expiration : now.addingTimeInterval(minimumRecordLifetime)
        let stamp = Array(String(now.microsecondsSince1970).utf8)
        let previous = try await cache.getAndSet("devicecode_\(key)", value: stamp, options: .absolute(until))
        guard let previous else { return false }
        guard let micros = Int64(String(decoding: previous, as: UTF8.self)) else {
            throw IdentityStorageError.corruptedData("device-flow throttling record for \(key) is not a timestamp")
        }
        return now < Date(microsecondsSince1970: micros).addingTimeInterval(interval)
    }
}
