import IdentityStorage

extension ConformanceSuite {
    static let sessionCases: [ConformanceCase] = []
    static let cacheCases: [ConformanceCase] = []
    static let replayCases: [ConformanceCase] = []
    static let messageCases: [ConformanceCase] = []
    static let throttlingCases: [ConformanceCase] = []
    static let cleanupCases: [ConformanceCase] = []
}
