import Foundation

/// When data-protection keys are made, used and dropped: ASP.NET Core's defaults.
public struct DataProtectionPolicy: Sendable {
    /// A new key's lifetime, counted from its creation (ASP.NET Core `NewKeyLifetime`). Default 90 days.
    public var keyLifetime: TimeInterval = 90 * 86_400
    /// How long a new key is in the ring before it becomes the default (ASP.NET Core `KeyPropagationWindow`): the
    /// successor of the default key is created at least this long before the default expires. Default 2 days.
    public var propagationWindow: TimeInterval = 2 * 86_400
    /// How long the key ring is served from memory before it is read again (ASP.NET Core `KeyRingRefreshPeriod`).
    /// Default 24 hours. It is read earlier when the default key expires, when a payload names a key not in memory,
    /// and when a check of the store (``storeCheckInterval``) finds it changed.
    public var keyCacheDuration: TimeInterval = 86_400
    /// How often the ring is read in the background to notice another instance's or the tool's changes (a rotation, a
    /// revocation). Default 5 minutes; the hot path never waits for it.
    public var storeCheckInterval: TimeInterval = 300
    /// A key whose activation is this close ahead may already be the default (ASP.NET Core `MaxServerClockSkew`).
    /// Default 5 minutes.
    public var maximumClockSkew: TimeInterval = 300
    /// The shortest time between two reads of the ring caused by payloads naming unknown keys, so that forged
    /// payloads cannot make every request read the store. Default 10 seconds.
    public var unknownKeyReloadInterval: TimeInterval = 10
    /// Keys expired longer than this are deleted from the ring (with their revocations); nil keeps every key, as
    /// ASP.NET Core does, so that any payload ever protected still unprotects. Default nil.
    public var deleteKeysExpiredFor: TimeInterval?

    /// ASP.NET Core's defaults, as each property states.
    public init() {}
}
