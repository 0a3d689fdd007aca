import IdentityStorage

extension ConformanceSuite {
    static let clientCases: [ConformanceCase] = []
    static let resourceCases: [ConformanceCase] = []
    static let identityProviderCases: [ConformanceCase] = []
    static let signingKeyCases: [ConformanceCase] = []
    static let keyRingCases: [ConformanceCase] = []
}
