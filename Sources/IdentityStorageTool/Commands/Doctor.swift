import ArgumentParser
import IdentityStorage

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the servers and files of every part of the deployment: versions, the settings the stores rely on, the account's privileges.",
        discussion: """
            Changes nothing. Exits with status 1 when something is wrong, with a WRONG line saying what and how to fix it. \
            WARN lines name settings that lose acknowledged writes on a crash (where the store holds configuration, key material \
            or operational data) and the setting that keeps them; with --strict they fail too.
            """)

    @OptionGroup var options: StoreOptions

    @Flag(help: "Exit with status 1 on warnings too (settings that lose acknowledged writes on a crash, or that doctor could not read).")
    var strict = false

    func run() async throws {
        let (wrong, warnings) = try await options.withDeployment(migrate: false) { deployment in
            var wrong = 0, warnings = 0
            for (index, store) in deployment.stores.enumerated() {
                let parts = deployment.parts(of: index)
                Terminal.print("\(Terminal.label(store.url))\(parts.names)")
                guard let doctor = store.backend as? any StoreDiagnosing else {
                    Terminal.print("  ok    nothing to check (\(store.driver.name) has no server settings)")
                    continue
                }
                for finding in try await doctor.diagnose().map({ $0.forStore(holding: parts) }) {
                    Terminal.print("  \(finding)")
                    if !finding.isRight { wrong += 1 }
                    if finding.isWarning { warnings += 1 }
                }
            }
            return (wrong, warnings)
        }
        if wrong > 0 {
            Terminal.error("\(wrong) setting\(wrong == 1 ? " is" : "s are") wrong (the WRONG lines above say how to fix each)")
            throw ExitCode.failure
        }
        if strict, warnings > 0 {
            Terminal.error("\(warnings) warning\(warnings == 1 ? "" : "s") with --strict (the WARN lines above say which setting keeps the data)")
            throw ExitCode.failure
        }
    }
}
