import Foundation

/// A serialized signing key (Duende's `SerializedKey`), usually data-protected.
public struct SerializedKey: Hashable, Sendable, Codable {
    /// Unique, case-sensitive key id (`kid`).
    public var id: String
    /// The serialization format's version. Default: 1.
    public var version: Int
    /// When the key was created.
    public var created: Date
    /// The signing algorithm, e.g. `"RS256"`.
    public var algorithm: String
    /// Whether ``data`` holds an X.509 certificate rather than a bare key. Default: false.
    public var isX509Certificate: Bool
    /// The serialized key; round-trips byte-exactly.
    public var data: String
    /// Whether ``data`` is protected by the data protector. Default: true.
    public var dataProtected: Bool

    /// A key with the given fields.
    public init(id: String, version: Int = 1, created: Date, algorithm: String, isX509Certificate: Bool = false,
                data: String, dataProtected: Bool = true) {
        self.id = id
        self.version = version
        self.created = created
        self.algorithm = algorithm
        self.isX509Certificate = isX509Certificate
        self.data = data
        self.dataProtected = dataProtected
    }
}

/// One element of the ASP.NET-style data-protection key ring (a key or a revocation), as XML text.
public struct KeyRingElement: Hashable, Sendable, Codable {
    /// Assigned by the store, increasing in insertion order; never reused.
    public var id: Int64
    /// The name given at store time; upstream says it "must be unique if specified" but stores need not enforce it.
    public var friendlyName: String?
    /// The element's XML, byte-exact.
    public var xml: String

    /// An element with the given id, name and XML.
    public init(id: Int64, friendlyName: String?, xml: String) {
        self.id = id
        self.friendlyName = friendlyName
        self.xml = xml
    }
}
