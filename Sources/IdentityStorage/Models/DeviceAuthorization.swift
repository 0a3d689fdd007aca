import Foundation

/// A device-flow authorization, stored under both its device code and its user code.
///
/// Mirrors upstream's `DeviceCodes` row: the caller's `DeviceCode` model travels in ``data``
/// (opaque, usually data-protected JSON); the other fields are materialised so stores can index them.
/// Both codes are usually SHA-256 hashes computed by the caller.
public struct DeviceAuthorization: Hashable, Sendable, Codable {
    /// Unique, case-sensitive device code (the polling client's secret).
    public var deviceCode: String
    /// Unique, case-sensitive user code (what the user types).
    public var userCode: String
    /// The client that started the device flow.
    public var clientId: String
    /// Set once the user has authorized the device.
    public var subjectId: String?
    /// The user's session id, once the user has authorized the device.
    public var sessionId: String?
    /// Free text describing the authorization.
    public var description: String?
    /// When the device flow started.
    public var creationTime: Date
    /// Creation time plus lifetime; updates never change it, cleanup removes past ones.
    public var expiration: Date
    /// Opaque payload.
    public var data: String

    /// An authorization with the given codes, fields and opaque payload.
    public init(deviceCode: String, userCode: String, clientId: String, subjectId: String? = nil, sessionId: String? = nil,
                description: String? = nil, creationTime: Date, expiration: Date, data: String) {
        self.deviceCode = deviceCode
        self.userCode = userCode
        self.clientId = clientId
        self.subjectId = subjectId
        self.sessionId = sessionId
        self.description = description
        self.creationTime = creationTime
        self.expiration = expiration
        self.data = data
    }
}
