/// The four parts of an identity server's shared data, as its deployment documentation splits them: each
/// may live where it fits the environment, and a driver says which it can hold.
public struct DeploymentParts: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Clients (with their CORS origins), resources, identity providers.
    public static let configuration = DeploymentParts(rawValue: 1 << 0)
    /// Signing keys and the data-protection key ring.
    public static let keyMaterial = DeploymentParts(rawValue: 1 << 1)
    /// Grants, device codes, server-side sessions, pushed authorization requests, CIBA requests, cleanup.
    public static let operationalData = DeploymentParts(rawValue: 1 << 2)
    /// The distributed cache and what is built on it: replay cache, authorization-parameter messages,
    /// device-flow throttling.
    public static let distributedCache = DeploymentParts(rawValue: 1 << 3)
    /// All four.
    public static let all: DeploymentParts = [.configuration, .keyMaterial, .operationalData, .distributedCache]

    /// The parts' names, for messages (`configuration, key material`).
    public var description: String {
        let names: [(DeploymentParts, String)] = [(.configuration, "configuration"), (.keyMaterial, "key material"),
                                                  (.operationalData, "operational data"), (.distributedCache, "distributed cache")]
        let present = names.filter { contains($0.0) }.map(\.1)
        return present.isEmpty ? "nothing" : present.joined(separator: ", ")
    }
}
