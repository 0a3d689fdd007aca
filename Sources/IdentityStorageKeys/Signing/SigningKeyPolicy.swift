import Foundation

/// When signing keys are made, used, announced and dropped: Duende IdentityServer's `KeyManagementOptions` defaults.
///
/// A key is created (and published in the JWKS) ``propagationTime`` before it signs, signs until it is
/// ``rotationInterval`` old, and stays published ``retentionDuration`` more for tokens it signed; then it is deleted.
public struct SigningKeyPolicy: Sendable {
    /// The algorithms to keep a key for, each with its own key set. Default RS256 only, as Duende.
    public var algorithms: [SigningAlgorithm] = [.rs256]
    /// Age at which a key stops signing (Duende `RotationInterval`). Default 90 days.
    public var rotationInterval: TimeInterval = 90 * 86_400
    /// How long a new key is published before it signs, for every instance and relying party to learn it
    /// (Duende `PropagationTime`). Default 14 days.
    public var propagationTime: TimeInterval = 14 * 86_400
    /// How long a key stays published after it stops signing (Duende `RetentionDuration`). Default 14 days.
    public var retentionDuration: TimeInterval = 14 * 86_400
    /// How long the keys are served from memory before the store is read again (Duende `KeyCacheDuration`). Default
    /// 24 hours; read earlier when the cached keys have none valid for signing now, when a key's activation,
    /// expiration or retirement is due, and when a background check (``storeCheckInterval``) finds the store changed.
    public var keyCacheDuration: TimeInterval = 86_400
    /// How often the store is read in the background to notice other instances' and the tool's changes. Default 5
    /// minutes; signing never waits for it.
    public var storeCheckInterval: TimeInterval = 300
    /// Whether keys past their retention are deleted from the store (Duende `DeleteRetiredKeys`). Default true.
    public var deleteRetiredKeys = true
    /// Whether private keys are stored protected by the data protector (default). False stores them in the clear:
    /// only when the store itself is trusted with them.
    public var protectKeys = true

    /// Duende IdentityServer's defaults, as each property states.
    public init() {}

    /// A key created at `created` is published from then until `expiration + retentionDuration`.
    func retirement(of expiration: Date) -> Date { expiration.addingTimeInterval(retentionDuration) }
}
