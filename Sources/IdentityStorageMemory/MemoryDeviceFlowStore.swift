import Foundation
import IdentityStorage

/// Device-flow authorizations in memory, indexed by both codes under one lock.
public final class MemoryDeviceFlowStore: DeviceFlowStore {
    private struct State {
        var byDeviceCode: [ExactString: DeviceAuthorization] = [:]
        var deviceCodeByUserCode: [ExactString: ExactString] = [:]

        mutating func remove(deviceCode: ExactString) -> DeviceAuthorization? {
            guard let removed = byDeviceCode.removeValue(forKey: deviceCode) else { return nil }
            deviceCodeByUserCode.removeValue(forKey: ExactString(removed.userCode))
            return removed
        }
    }

    private let state: MemoryTable<State>
    private let clock: any WallClock

    /// An empty store whose expiry decisions read `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        state = MemoryTable(State())
        self.clock = clock
    }

    /// A store over the same data as `other`, judging time by `clock`.
    init(sharingDataWith other: MemoryDeviceFlowStore, clock: any WallClock) {
        state = other.state
        self.clock = clock
    }

    public func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try authorization.validate()
        let stored = authorization.atStoragePrecision
        try state.withLock { state throws(IdentityStorageError) in
            let device = ExactString(authorization.deviceCode), user = ExactString(authorization.userCode)
            if state.byDeviceCode[device] != nil { throw .duplicate("device code is already in use") }
            if state.deviceCodeByUserCode[user] != nil { throw .duplicate("user code is already in use") }
            state.byDeviceCode[device] = stored
            state.deviceCodeByUserCode[user] = device
        }
    }

    public func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(userCode, "userCode")
        return state.withLock { state in state.deviceCodeByUserCode[ExactString(userCode)].flatMap { state.byDeviceCode[$0] } }
    }

    public func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return state.withLock { $0.byDeviceCode[ExactString(deviceCode)] }
    }

    @discardableResult
    public func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try FieldValidation.key(userCode, "userCode")
        try authorization.validate()
        return state.withLock { state in
            guard let device = state.deviceCodeByUserCode[ExactString(userCode)], var stored = state.byDeviceCode[device] else { return false }
            stored.subjectId = authorization.subjectId
            stored.sessionId = authorization.sessionId
            stored.description = authorization.description
            stored.data = authorization.data
            state.byDeviceCode[device] = stored
            return true
        }
    }

    @discardableResult
    public func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try FieldValidation.key(deviceCode, "deviceCode")
        return state.withLock { $0.remove(deviceCode: ExactString(deviceCode)) != nil }
    }

    public func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try FieldValidation.key(deviceCode, "deviceCode")
        return state.withLock { $0.remove(deviceCode: ExactString(deviceCode)) }
    }

    func removeExpired(before now: Date, limit: Int) -> [DeviceAuthorization] {
        state.withLock { state in
            let doomed = state.byDeviceCode.filter { $0.value.expiration < now }
                .sorted { $0.value.expiration != $1.value.expiration ? $0.value.expiration < $1.value.expiration : $0.key < $1.key }
                .prefix(limit)
            return doomed.compactMap { state.remove(deviceCode: $0.key) }
        }
    }
}
