import ArgumentParser
import IdentityStorage

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the servers and files of every part of the deployment: versions and the settings the stores rely on.",
        discussion: "Changes nothing. Exits with status 1 when something is wrong, with a line saying what and how to fix it.")

    @OptionGroup var options: StoreOptions

    func run() async throws {
        let wrong = try await options.withDeployment(migrate: false) { deployment in
            var wrong = 0
            for (index, store) in deployment.stores.enumerated() {
                let parts = deployment.parts(of: index).names
                Terminal.print("\(Terminal.label(store.url))\(parts)")
                guard let doctor = store.backend as? any StoreDiagnosing else {
                    Terminal.print("  ok    nothing to check (\(store.driver.name) has no server settings)")
                    continue
                }
                for finding in try await doctor.diagnose() {
                    Terminal.print("  \(finding)")
                    if !finding.isRight { wrong += 1 }
                }
            }
            return wrong
        }
        if wrong > 0 {
            Terminal.error("\(wrong) setting\(wrong == 1 ? " is" : "s are") wrong (the WRONG lines above say how to fix each)")
            throw ExitCode.failure
        }
    }
}
