extension ConfigurationCache {
    /// The answer held for `key`, or `load`'s, kept when the channel allows it. Errors are never kept.
    func value<Value: Sendable & Encodable>(_ key: ConfigurationCacheKey, _ load: () async throws -> Value) async throws -> Value {
        switch entries.lookup(key) {
        case .hit(let value):
            // Each key has one store method and so one type of answer.
            return value as! Value
        case .miss(let generation):
            let value = try await load()
            entries.store(key, value, generation: generation)
            return value
        case .readThrough:
            return try await load()
        }
    }

    /// Runs a configuration write, then empties the cache, whether the write succeeded or not (a write that failed
    /// after the backend committed it must not leave the old answers behind).
    func write<Result>(_ body: () async throws -> Result) async throws -> Result {
        defer { invalidateAll() }
        return try await body()
    }
}
