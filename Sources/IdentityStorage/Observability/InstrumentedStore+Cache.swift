import Foundation

extension InstrumentedStore: DistributedCache where Base == any DistributedCache {
    func get(_ key: String) async throws -> [UInt8]? { try await measure("get") { try await $0.get(key) } }
    func set(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws {
        try await measure("set") { try await $0.set(key, value: value, options: options) }
    }
    func refresh(_ key: String) async throws { try await measure("refresh") { try await $0.refresh(key) } }
    func remove(_ key: String) async throws -> Bool { try await measure("remove") { try await $0.remove(key) } }
    func add(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> Bool {
        try await measure("add") { try await $0.add(key, value: value, options: options) }
    }
    func getAndSet(_ key: String, value: [UInt8], options: CacheEntryOptions) async throws -> [UInt8]? {
        try await measure("getAndSet") { try await $0.getAndSet(key, value: value, options: options) }
    }
}

extension InstrumentedStore: ReplayCache where Base == any ReplayCache {
    func tryAdd(purpose: String, handle: String, expiration: Date) async throws -> Bool {
        try await measure("tryAdd") { try await $0.tryAdd(purpose: purpose, handle: handle, expiration: expiration) }
    }
    func exists(purpose: String, handle: String) async throws -> Bool {
        try await measure("exists") { try await $0.exists(purpose: purpose, handle: handle) }
    }
}

extension InstrumentedStore: AuthorizationParametersMessageStore where Base == any AuthorizationParametersMessageStore {
    func writeMessage(_ message: AuthorizationParametersMessage) async throws -> String {
        try await measure("writeMessage") { try await $0.writeMessage(message) }
    }
    func readMessage(id: String) async throws -> AuthorizationParametersMessage? { try await measure("readMessage") { try await $0.readMessage(id: id) } }
    func deleteMessage(id: String) async throws -> Bool { try await measure("deleteMessage") { try await $0.deleteMessage(id: id) } }
}

extension InstrumentedStore: DeviceFlowThrottling where Base == any DeviceFlowThrottling {
    func shouldSlowDown(key: String, interval: TimeInterval, expiration: Date) async throws -> Bool {
        try await measure("shouldSlowDown") { try await $0.shouldSlowDown(key: key, interval: interval, expiration: expiration) }
    }
}

// A conditional conformance implies none of the protocols CleanupStore refines: each is stated.
extension InstrumentedStore: GrantCleanup, DeviceAuthorizationCleanup, PushedAuthorizationRequestCleanup, BackchannelRequestCleanup,
    CacheEntryCleanup where Base == any CleanupStore {}

extension InstrumentedStore: CleanupStore where Base == any CleanupStore {
    func removeExpiredGrants(limit: Int) async throws -> [PersistedGrant] {
        try await measure("removeExpiredGrants") { try await $0.removeExpiredGrants(limit: limit) }
    }
    func removeConsumedGrants(consumedBefore threshold: Date, limit: Int) async throws -> [PersistedGrant] {
        try await measure("removeConsumedGrants") { try await $0.removeConsumedGrants(consumedBefore: threshold, limit: limit) }
    }
    func removeExpiredDeviceAuthorizations(limit: Int) async throws -> [DeviceAuthorization] {
        try await measure("removeExpiredDeviceAuthorizations") { try await $0.removeExpiredDeviceAuthorizations(limit: limit) }
    }
    func removeExpiredPushedAuthorizationRequests(limit: Int) async throws -> Int {
        try await measure("removeExpiredPushedAuthorizationRequests") { try await $0.removeExpiredPushedAuthorizationRequests(limit: limit) }
    }
    func removeExpiredBackchannelRequests(limit: Int) async throws -> Int {
        try await measure("removeExpiredBackchannelRequests") { try await $0.removeExpiredBackchannelRequests(limit: limit) }
    }
    func removeExpiredCacheEntries(limit: Int) async throws -> Int {
        try await measure("removeExpiredCacheEntries") { try await $0.removeExpiredCacheEntries(limit: limit) }
    }
}
