import IdentityStorage

/// The suite on a `Deployment`: each store from the backend that holds its part, and the corrupted-data cases'
/// damage sent to that same backend (clients to the configuration's, key-ring elements to the key material's,
/// grants to the operational data's), when every one of them adopts ``StoredDataCorrupting``.
public struct DeploymentHarness: ConformanceHarness {
    /// The deployment the cases run on.
    public let deployment: Deployment
    public let backendName: String

    /// The suite on `deployment`. `name` labels the results; by default the scheme of its one store, or `deployment`
    /// when its parts live on different stores.
    public init(_ deployment: Deployment, name: String? = nil) {
        self.deployment = deployment
        self.backendName = name ?? (deployment.isMixed ? "deployment" : deployment.stores[0].url.scheme)
    }

    public func makeStores(clock: ManualWallClock) async throws -> IdentityStores {
        deployment.makeStores(clock: clock)
    }

    public func corrupter(for stores: IdentityStores) -> (any StoredDataCorrupting)? {
        var corrupters: [DeploymentPart: any StoredDataCorrupting] = [:]
        for part in StoredDataCorruption.parts {
            guard let corrupter = deployment.store(for: part).backend as? any StoredDataCorrupting else { return nil }
            corrupters[part] = corrupter
        }
        return PartRouter(corrupters: corrupters)
    }

    /// Sends each damage to the backend of its part.
    private struct PartRouter: StoredDataCorrupting {
        let corrupters: [DeploymentPart: any StoredDataCorrupting]

        func corrupt(_ corruption: StoredDataCorruption) async throws {
            try await corrupters[corruption.part]!.corrupt(corruption)
        }
    }
}
