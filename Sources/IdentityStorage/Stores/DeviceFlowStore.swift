/// Device-flow authorizations (upstream `IDeviceFlowStore`).
public protocol DeviceFlowStore: Sendable {
    /// Stores a new authorization. Both codes must be unused: a clash on either gives
    /// ``IdentityStorageError/Code-swift.struct/duplicate`` and leaves every stored authorization unchanged.
    func storeDeviceAuthorization(_ authorization: DeviceAuthorization) async throws

    /// The authorization with exactly this user code; nil when none.
    func deviceAuthorization(forUserCode userCode: String) async throws -> DeviceAuthorization?

    /// The authorization with exactly this device code; nil when none.
    func deviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization?

    /// Updates the subject, session id, description and data of the authorization with this user code
    /// (codes, client, creation time and expiration never change). Returns false when there is none.
    @discardableResult
    func updateDeviceAuthorization(forUserCode userCode: String, with authorization: DeviceAuthorization) async throws -> Bool

    /// Removes the authorization (under both codes); false when there was none (never an error).
    @discardableResult func removeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> Bool

    /// Get-and-delete by device code, for redemption at the token endpoint: exactly one concurrent caller gets it.
    func takeDeviceAuthorization(forDeviceCode deviceCode: String) async throws -> DeviceAuthorization?
}
