import Foundation
import IdentityStorage

/// The distributed cache in memory. Expired entries are invisible at once and removed lazily or by cleanup.
public final class MemoryDistributedCache: DistributedCache {
    private struct Entry {
        var value: [UInt8]
        var expiration: ResolvedCacheExpiration

        func isLive(at now: Date) -> Bool {
            expiration.expiresAt.map { now < $0 } ?? true
        }

        mutating func renew(at now: Date) {
            guard expiration.sliding != nil else { return }
            expiration.expiresAt = ResolvedCacheExpiration.expiry(absolute: expiration.absolute, sliding: expiration.sliding, now: now)
        }
    }

    private let entries: MemoryTable<[ExactString: Entry]>
    private let clock: any WallClock

    /// An empty cache whose expiry decisions read `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        entries = MemoryTable([:])
        self.clock = clock
    }

    /// A store over the same data as `other`, judging time by `clock`.
    init(sharingDataWith other: MemoryDistributedCache, clock: any WallClock) {
        entries = other.entries
        self.clock = clock
    }

    public func get(_ key: String) async throws -> [UInt8]? {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        return entries.withLock { entries in
            let exact = ExactString(key)
            guard var entry = entries[exact] else { return nil }
            guard entry.isLive(at: now) else {
                entries.removeValue(forKey: exact)
                return nil
            }
            entry.renew(at: now)
            entries[exact] = entry
            return entry.value
        }
    }

    public func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        let entry = try makeEntry(key, value, options)
        entries.withLock { $0[ExactString(key)] = entry }
    }

    public func refresh(_ key: String) async throws {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        entries.withLock { entries in
            let exact = ExactString(key)
            guard var entry = entries[exact], entry.isLive(at: now) else { return }
            entry.renew(at: now)
            entries[exact] = entry
        }
    }

    @discardableResult
    public func remove(_ key: String) async throws -> Bool {
        try DistributedCacheKey.validate(key)
        let now = clock.now
        return entries.withLock { entries in
            entries.removeValue(forKey: ExactString(key)).map { $0.isLive(at: now) } ?? false
        }
    }

    public func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        let entry = try makeEntry(key, value, options)
        let now = clock.now
        return entries.withLock { entries in
            let exact = ExactString(key)
            if let existing = entries[exact], existing.isLive(at: now) { return false }
            entries[exact] = entry
            return true
        }
    }

    public func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        let entry = try makeEntry(key, value, options)
        let now = clock.now
        return entries.withLock { entries in
            let previous = entries.updateValue(entry, forKey: ExactString(key))
            return previous.flatMap { $0.isLive(at: now) ? $0.value : nil }
        }
    }

    func removeExpired(at now: Date, limit: Int) -> Int {
        entries.withLock { entries in
            let doomed = entries.filter { !$0.value.isLive(at: now) }.keys.sorted().prefix(limit)
            for key in doomed { entries.removeValue(forKey: key) }
            return doomed.count
        }
    }

    private func makeEntry(_ key: String, _ value: [UInt8], _ options: CacheEntryOptions) throws(IdentityStorageError) -> Entry {
        try DistributedCacheKey.validate(key)
        try FieldValidation.payloadSize(value.count, "cache value")
        return Entry(value: value, expiration: try options.resolve(at: clock.now))
    }
}
