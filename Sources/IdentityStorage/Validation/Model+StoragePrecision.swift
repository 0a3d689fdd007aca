import Foundation

// Stores keep instants in whole microseconds. Every adapter (the in-memory one included) rounds on
// write, so what a caller reads back is the same on every backend.

extension Optional where Wrapped == Date {
    var roundedToStoragePrecision: Date? { map(\.roundedToStoragePrecision) }
}

extension Secret {
    /// This secret with its expiration at storage precision.
    public var atStoragePrecision: Secret {
        var copy = self
        copy.expiration = expiration.roundedToStoragePrecision
        return copy
    }
}

extension Client {
    /// This client with its instants at storage precision.
    public var atStoragePrecision: Client {
        var copy = self
        copy.clientSecrets = Set(clientSecrets.map(\.atStoragePrecision))
        return copy
    }
}

extension ApiResource {
    /// This resource with its instants at storage precision.
    public var atStoragePrecision: ApiResource {
        var copy = self
        copy.apiSecrets = Set(apiSecrets.map(\.atStoragePrecision))
        return copy
    }
}

extension PersistedGrant {
    /// This grant with its instants at storage precision.
    public var atStoragePrecision: PersistedGrant {
        var copy = self
        copy.creationTime = creationTime.roundedToStoragePrecision
        copy.expiration = expiration.roundedToStoragePrecision
        copy.consumedTime = consumedTime.roundedToStoragePrecision
        return copy
    }
}

extension DeviceAuthorization {
    /// This authorization with its instants at storage precision.
    public var atStoragePrecision: DeviceAuthorization {
        var copy = self
        copy.creationTime = creationTime.roundedToStoragePrecision
        copy.expiration = expiration.roundedToStoragePrecision
        return copy
    }
}

extension SerializedKey {
    /// This key with its instants at storage precision.
    public var atStoragePrecision: SerializedKey {
        var copy = self
        copy.created = created.roundedToStoragePrecision
        return copy
    }
}

extension ServerSideSession {
    /// This session with its instants at storage precision.
    public var atStoragePrecision: ServerSideSession {
        var copy = self
        copy.created = created.roundedToStoragePrecision
        copy.renewed = renewed.roundedToStoragePrecision
        copy.expires = expires.roundedToStoragePrecision
        return copy
    }
}

extension PushedAuthorizationRequest {
    /// This request with its instants at storage precision.
    public var atStoragePrecision: PushedAuthorizationRequest {
        var copy = self
        copy.expiresAt = expiresAt.roundedToStoragePrecision
        return copy
    }
}

extension BackchannelAuthenticationRequest {
    /// This request with its instants at storage precision.
    public var atStoragePrecision: BackchannelAuthenticationRequest {
        var copy = self
        copy.creationTime = creationTime.roundedToStoragePrecision
        return copy
    }
}
