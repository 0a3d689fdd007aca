import IdentityStorage

extension StoreURLParameters {
    /// Reads the parameters every pooled server driver takes, under one name each: `pool_size` (1–1000),
    /// `connect_timeout`, `acquire_timeout` and `health_check_interval`. Each given value replaces the one passed in.
    public mutating func readPoolSettings(poolSize: inout Int, connectTimeout: inout Duration, acquireTimeout: inout Duration,
                                           healthCheckInterval: inout Duration) throws(IdentityStorageError) {
        poolSize = try integer("pool_size", in: 1...1000) ?? poolSize
        connectTimeout = try duration("connect_timeout") ?? connectTimeout
        acquireTimeout = try duration("acquire_timeout") ?? acquireTimeout
        healthCheckInterval = try duration("health_check_interval") ?? healthCheckInterval
    }
}
