import IdentityStorage

extension ConformanceSuite {
    static let grantCases: [ConformanceCase] = []
    static let deviceFlowCases: [ConformanceCase] = []
    static let pushedAuthorizationCases: [ConformanceCase] = []
    static let backchannelCases: [ConformanceCase] = []
}
