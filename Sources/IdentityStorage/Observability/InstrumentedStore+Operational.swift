import Foundation

extension InstrumentedStore: PersistedGrantStore where Base == any PersistedGrantStore {
    func storeGrant(_ grant: PersistedGrant) async throws { try await measure("storeGrant") { try await $0.storeGrant(grant) } }
    func grant(forKey key: String) async throws -> PersistedGrant? { try await measure("grant") { try await $0.grant(forKey: key) } }
    func grants(matching filter: PersistedGrantFilter) async throws -> [PersistedGrant] {
        try await measure("grants") { try await $0.grants(matching: filter) }
    }
    func removeGrant(forKey key: String) async throws -> Bool { try await measure("removeGrant") { try await $0.removeGrant(forKey: key) } }
    func removeGrants(matching filter: PersistedGrantFilter) async throws -> Int {
        try await measure("removeGrants") { try await $0.removeGrants(matching: filter) }
    }
    func takeGrant(forKey key: String) async throws -> PersistedGrant? { try await measure("takeGrant") { try await $0.takeGrant(forKey: key) } }
    func consumeGrant(forKey key: String) async throws -> PersistedGrant? {
        try await measure("consumeGrant") { try await $0.consumeGrant(forKey: key) }
    }
    func rotateRefreshToken(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) async throws -> RefreshTokenRotation {
        try await measure("rotateRefreshToken") { try await $0.rotateRefreshToken(presented: key, successor: successor, policy: policy) }
    }
    func removeFamily(_ familyId: String) async throws -> Int { try await measure("removeFamily") { try await $0.removeFamily(familyId) } }
}

extension InstrumentedStore: DeviceFlowStore where Base == any DeviceFlowStore {
    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws {
        try await measure("storeDeviceAuthorization") { try await $0.storeDeviceAuthorization(authorization) }
    }
    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization? {
        try await measure("deviceAuthorizationByUserCode") { try await $0.deviceAuthorization(forUserCode: userCode) }
    }
    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try await measure("deviceAuthorizationByDeviceCode") { try await $0.deviceAuthorization(forDeviceCode: deviceCode) }
    }
    func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool {
        try await measure("updateDeviceAuthorization") { try await $0.updateDeviceAuthorization(forUserCode: userCode, with: authorization) }
    }
    func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool {
        try await measure("removeDeviceAuthorization") { try await $0.removeDeviceAuthorization(forDeviceCode: deviceCode) }
    }
    func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization? {
        try await measure("takeDeviceAuthorization") { try await $0.takeDeviceAuthorization(forDeviceCode: deviceCode) }
    }
}

extension InstrumentedStore: ServerSideSessionStore where Base == any ServerSideSessionStore {
    func createSession(_ session: ServerSideSession) async throws { try await measure("createSession") { try await $0.createSession(session) } }
    func session(forKey key: String) async throws -> ServerSideSession? { try await measure("session") { try await $0.session(forKey: key) } }
    func updateSession(_ session: ServerSideSession) async throws -> Bool { try await measure("updateSession") { try await $0.updateSession(session) } }
    func deleteSession(forKey key: String) async throws -> Bool { try await measure("deleteSession") { try await $0.deleteSession(forKey: key) } }
    func sessions(matching filter: SessionFilter) async throws -> [ServerSideSession] {
        try await measure("sessions") { try await $0.sessions(matching: filter) }
    }
    func deleteSessions(matching filter: SessionFilter) async throws -> Int {
        try await measure("deleteSessions") { try await $0.deleteSessions(matching: filter) }
    }
    func claimExpiredSessions(limit: Int) async throws -> [ServerSideSession] {
        try await measure("claimExpiredSessions") { try await $0.claimExpiredSessions(limit: limit) }
    }
    func querySessions(_ query: SessionQuery) async throws -> QueryResult<ServerSideSession> {
        try await measure("querySessions") { try await $0.querySessions(query) }
    }
}

extension InstrumentedStore: PushedAuthorizationRequestStore where Base == any PushedAuthorizationRequestStore {
    func storePushedAuthorizationRequest(_ request: PushedAuthorizationRequest) async throws {
        try await measure("storePushedAuthorizationRequest") { try await $0.storePushedAuthorizationRequest(request) }
    }
    func pushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try await measure("pushedAuthorizationRequest") { try await $0.pushedAuthorizationRequest(forHash: referenceValueHash) }
    }
    func consumePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> Bool {
        try await measure("consumePushedAuthorizationRequest") { try await $0.consumePushedAuthorizationRequest(forHash: referenceValueHash) }
    }
    func takePushedAuthorizationRequest(forHash referenceValueHash: String) async throws -> PushedAuthorizationRequest? {
        try await measure("takePushedAuthorizationRequest") { try await $0.takePushedAuthorizationRequest(forHash: referenceValueHash) }
    }
}

extension InstrumentedStore: BackchannelAuthenticationRequestStore where Base == any BackchannelAuthenticationRequestStore {
    func storeBackchannelRequest(_ request: BackchannelAuthenticationRequest) async throws {
        try await measure("storeBackchannelRequest") { try await $0.storeBackchannelRequest(request) }
    }
    func backchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try await measure("backchannelRequest") { try await $0.backchannelRequest(forInternalId: internalId) }
    }
    func backchannelLogins(forSubject subjectId: String, clientId: String?) async throws -> [BackchannelAuthenticationRequest] {
        try await measure("backchannelLogins") { try await $0.backchannelLogins(forSubject: subjectId, clientId: clientId) }
    }
    func updateBackchannelRequest(forInternalId internalId: String, with request: BackchannelAuthenticationRequest) async throws -> Bool {
        try await measure("updateBackchannelRequest") { try await $0.updateBackchannelRequest(forInternalId: internalId, with: request) }
    }
    func removeBackchannelRequest(forInternalId internalId: String) async throws -> Bool {
        try await measure("removeBackchannelRequest") { try await $0.removeBackchannelRequest(forInternalId: internalId) }
    }
    func takeBackchannelRequest(forInternalId internalId: String) async throws -> BackchannelAuthenticationRequest? {
        try await measure("takeBackchannelRequest") { try await $0.takeBackchannelRequest(forInternalId: internalId) }
    }
}
