import Foundation

// Every adapter calls `validate()` before writing, so bad input gets the same typed error everywhere
// and nothing is half-written.

extension Secret {
    func validate(_ field: String) throws(IdentityStorageError) {
        try FieldValidation.text(value, "\(field).value")
        try FieldValidation.key(type, "\(field).type")
        try FieldValidation.text(description, "\(field).description")
        try FieldValidation.instant(expiration, "\(field).expiration")
    }
}

extension Client {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(clientId, "clientId")
        try FieldValidation.key(protocolType, "protocolType")
        for (value, field) in [(clientName, "clientName"), (description, "description"), (clientUri, "clientUri"),
                               (logoUri, "logoUri"), (frontChannelLogoutUri, "frontChannelLogoutUri"),
                               (backChannelLogoutUri, "backChannelLogoutUri"), (clientClaimsPrefix, "clientClaimsPrefix"),
                               (pairWiseSubjectSalt, "pairWiseSubjectSalt"), (userCodeType, "userCodeType"),
                               (initiateLoginUri, "initiateLoginUri")] {
            try FieldValidation.text(value, field)
        }
        for secret in clientSecrets { try secret.validate("clientSecrets") }
        for (values, field) in [(allowedGrantTypes, "allowedGrantTypes"), (redirectUris, "redirectUris"),
                                (postLogoutRedirectUris, "postLogoutRedirectUris"), (allowedScopes, "allowedScopes"),
                                (allowedIdentityTokenSigningAlgorithms, "allowedIdentityTokenSigningAlgorithms"),
                                (identityProviderRestrictions, "identityProviderRestrictions")] {
            for value in values {
                try FieldValidation.text(value, field)
                if value.isEmpty { throw .invalidArgument("\(field) must not contain an empty string") }
            }
        }
        for claim in claims {
            try FieldValidation.key(claim.type, "claims.type")
            try FieldValidation.text(claim.value, "claims.value")
            try FieldValidation.key(claim.valueType, "claims.valueType")
        }
        for origin in allowedCorsOrigins { _ = try CorsOrigin.normalize(origin) }
        for (name, value) in properties {
            try FieldValidation.key(name, "properties key")
            try FieldValidation.text(value, "properties['\(name)']")
        }
        for (value, field) in [(identityTokenLifetime, "identityTokenLifetime"), (accessTokenLifetime, "accessTokenLifetime"),
                               (authorizationCodeLifetime, "authorizationCodeLifetime"),
                               (absoluteRefreshTokenLifetime, "absoluteRefreshTokenLifetime"),
                               (slidingRefreshTokenLifetime, "slidingRefreshTokenLifetime"),
                               (deviceCodeLifetime, "deviceCodeLifetime"), (dPoPClockSkew, "dPoPClockSkew")] {
            try FieldValidation.nonNegative(value, field)
        }
        if !DPoPValidationMode.all.isSuperset(of: dPoPValidationMode) {
            throw .invalidArgument("dPoPValidationMode \(dPoPValidationMode.rawValue) has unknown flags")
        }
    }

    /// The client as stores keep it: CORS origins normalised, instants at storage precision.
    public func normalizedForStorage() throws(IdentityStorageError) -> Client {
        var copy = atStoragePrecision
        var origins = Set<String>()
        for origin in allowedCorsOrigins { origins.insert(try CorsOrigin.normalize(origin)) }
        copy.allowedCorsOrigins = origins
        return copy
    }
}

/// Shared checks of the three resource kinds.
private func validateResource(name: String, displayName: String?, description: String?, userClaims: Set<String>,
                              properties: [String: String], kind: String) throws(IdentityStorageError) {
    try FieldValidation.key(name, "\(kind).name")
    try FieldValidation.text(displayName, "\(kind).displayName")
    try FieldValidation.text(description, "\(kind).description")
    for claim in userClaims { try FieldValidation.key(claim, "\(kind).userClaims") }
    for (key, value) in properties {
        try FieldValidation.key(key, "\(kind).properties key")
        try FieldValidation.text(value, "\(kind).properties['\(key)']")
    }
}

extension IdentityResource {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try validateResource(name: name, displayName: displayName, description: description, userClaims: userClaims,
                             properties: properties, kind: "identityResource")
    }
}

extension ApiScope {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try validateResource(name: name, displayName: displayName, description: description, userClaims: userClaims,
                             properties: properties, kind: "apiScope")
    }
}

extension ApiResource {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try validateResource(name: name, displayName: displayName, description: description, userClaims: userClaims,
                             properties: properties, kind: "apiResource")
        for secret in apiSecrets { try secret.validate("apiResource.apiSecrets") }
        for scope in scopes { try FieldValidation.key(scope, "apiResource.scopes") }
        for algorithm in allowedAccessTokenSigningAlgorithms { try FieldValidation.key(algorithm, "apiResource.allowedAccessTokenSigningAlgorithms") }
    }
}

extension IdentityProvider {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(scheme, "scheme")
        try FieldValidation.key(type, "identityProvider.type")
        try FieldValidation.text(displayName, "identityProvider.displayName")
        for (key, value) in properties {
            try FieldValidation.key(key, "identityProvider.properties key")
            try FieldValidation.text(value, "identityProvider.properties['\(key)']")
        }
    }
}

extension PersistedGrant {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(key, "grant key")
        try FieldValidation.key(type, "grant type")
        try FieldValidation.optionalKey(subjectId, "grant subjectId")
        try FieldValidation.optionalKey(sessionId, "grant sessionId")
        try FieldValidation.key(clientId, "grant clientId")
        try FieldValidation.text(description, "grant description")
        try FieldValidation.payload(data, "grant data")
        try FieldValidation.instant(creationTime, "grant creationTime")
        try FieldValidation.instant(expiration, "grant expiration")
        try FieldValidation.instant(consumedTime, "grant consumedTime")
        try FieldValidation.optionalKey(familyId, "grant familyId")
        try FieldValidation.optionalKey(successorKey, "grant successorKey")
        try FieldValidation.within(0...RefreshTokenRotationPolicy.reuseCountLimit, reuseCount, "grant reuseCount")
    }
}

extension DeviceAuthorization {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(deviceCode, "deviceCode")
        try FieldValidation.key(userCode, "userCode")
        try FieldValidation.key(clientId, "device clientId")
        try FieldValidation.optionalKey(subjectId, "device subjectId")
        try FieldValidation.optionalKey(sessionId, "device sessionId")
        try FieldValidation.text(description, "device description")
        try FieldValidation.payload(data, "device data")
        try FieldValidation.instant(creationTime, "device creationTime")
        try FieldValidation.instant(expiration, "device expiration")
    }
}

extension SerializedKey {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(id, "signing key id")
        try FieldValidation.key(algorithm, "signing key algorithm")
        try FieldValidation.payload(data, "signing key data")
        try FieldValidation.instant(created, "signing key created")
    }
}

extension ServerSideSession {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(key, "session key")
        try FieldValidation.key(scheme, "session scheme")
        try FieldValidation.key(subjectId, "session subjectId")
        try FieldValidation.optionalKey(sessionId, "session sessionId")
        try FieldValidation.text(displayName, "session displayName")
        try FieldValidation.payload(ticket, "session ticket")
        try FieldValidation.instant(created, "session created")
        try FieldValidation.instant(renewed, "session renewed")
        try FieldValidation.instant(expires, "session expires")
    }
}

extension PushedAuthorizationRequest {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(referenceValueHash, "referenceValueHash")
        try FieldValidation.payload(parameters, "pushed authorization parameters")
        try FieldValidation.instant(expiresAt, "pushed authorization expiresAt")
    }
}

extension BackchannelAuthenticationRequest {
    /// Checks every field against the storage rules.
    public func validate() throws(IdentityStorageError) {
        try FieldValidation.key(internalId, "backchannel internalId")
        try FieldValidation.key(clientId, "backchannel clientId")
        try FieldValidation.key(subjectId, "backchannel subjectId")
        try FieldValidation.optionalKey(sessionId, "backchannel sessionId")
        try FieldValidation.nonNegative(lifetime, "backchannel lifetime")
        try FieldValidation.instant(creationTime, "backchannel creationTime")
        // Stores keep the expiry as an instant of its own.
        try FieldValidation.instant(after: TimeInterval(lifetime), from: creationTime, "backchannel lifetime")
        for (value, field) in [(tenant, "tenant"), (idP, "idP"), (bindingMessage, "bindingMessage"), (description, "description")] {
            try FieldValidation.text(value, "backchannel \(field)")
        }
        for (values, field) in [(requestedScopes, "requestedScopes"), (requestedResourceIndicators ?? [], "requestedResourceIndicators"),
                                (authenticationContextReferenceClasses ?? [], "authenticationContextReferenceClasses"),
                                (authorizedScopes ?? [], "authorizedScopes")] {
            try FieldValidation.texts(values, "backchannel \(field)")
        }
        for (key, value) in properties {
            try FieldValidation.key(key, "backchannel properties key")
            try FieldValidation.payload(value, "backchannel properties['\(key)']")
        }
    }

    /// What an update stores in place of the request `internalId`: `self` at storage precision, under that id,
    /// validated. The id is checked first, so a bad id is reported as such.
    public func replacement(forInternalId internalId: String) throws(IdentityStorageError) -> BackchannelAuthenticationRequest {
        try FieldValidation.key(internalId, "internalId")
        var replacement = atStoragePrecision
        replacement.internalId = internalId
        try replacement.validate()
        return replacement
    }
}

extension KeyRingElement {
    /// Checks an element's XML and friendly name against the storage rules.
    public static func validate(xml: String, friendlyName: String?) throws(IdentityStorageError) {
        if xml.isEmpty { throw .invalidArgument("key-ring element XML must not be empty") }
        try FieldValidation.payload(xml, "key-ring element XML")
        try FieldValidation.text(friendlyName, "key-ring friendlyName")
    }
}
