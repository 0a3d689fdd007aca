/// One of the four parts of an identity server's shared data, as its deployment documentation splits them: each
/// may live where it fits the environment, and a driver says which it can hold.
public enum DeploymentPart: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Clients (with their CORS origins), resources, identity providers.
    case configuration
    /// Signing keys and the data-protection key ring.
    case keyMaterial
    /// Grants, device codes, server-side sessions, pushed authorization requests, CIBA requests, cleanup.
    case operationalData
    /// The distributed cache and what is built on it: replay cache, authorization-parameter messages,
    /// device-flow throttling.
    case distributedCache

    /// The part's name in messages: `key material`.
    public var description: String {
        switch self {
        case .configuration: "configuration"
        case .keyMaterial: "key material"
        case .operationalData: "operational data"
        case .distributedCache: "distributed cache"
        }
    }
}

extension Set<DeploymentPart> {
    /// All four parts.
    public static var all: Set<DeploymentPart> { Set(DeploymentPart.allCases) }

    /// The parts' names in their usual order, for messages (`configuration, key material`).
    public var names: String {
        let present = DeploymentPart.allCases.filter(contains).map(\.description)
        return present.isEmpty ? "nothing" : present.joined(separator: ", ")
    }
}
