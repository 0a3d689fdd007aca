extension StoreCapabilities {
    /// The capabilities that are one part's stores' alone, by part: a ``Deployment`` takes each from the backend that
    /// holds that part, and every other capability only when all its backends have it. A capability added with a
    /// new store requirement is listed here under the part of its store (see AddingAStoreRequirement.md).
    static let ofOnePart: [(part: DeploymentPart, capabilities: StoreCapabilities)] = [
        (.operationalData, .refreshTokenFamilies),
    ]

    /// The capabilities of stores taken from several backends, `capabilities(part)` each part's backend's.
    static func combined(_ capabilities: (DeploymentPart) -> StoreCapabilities) -> StoreCapabilities {
        let partOwned = ofOnePart.reduce(StoreCapabilities()) { $0.union($1.capabilities) }
        let shared = DeploymentPart.allCases.map(capabilities).reduce(StoreCapabilities(rawValue: .max)) { $0.intersection($1) }
        return ofOnePart.reduce(shared.subtracting(partOwned)) { $0.union(capabilities($1.part).intersection($1.capabilities)) }
    }
}
