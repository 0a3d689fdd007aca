import Foundation
import ServerTestSupport
import Testing

/// Examples/ci/, checked as far as a machine without a container engine can (Scripts/verify-examples-ci.py).
@Suite("Examples/ci")
struct ExamplesCITests {
    static let root = PackagePaths.root

    static func verify(_ files: [String] = []) async throws -> (status: Int32, output: String) {
        try await shell("python3", [PackagePaths.file("Scripts/verify-examples-ci.py")] + files, in: root)
    }

    @Test func everyServiceHasAHealthCheckAndEveryURLAMappedPort() async throws {
        let (status, output) = try await Self.verify()
        #expect(status == 0, "\(output)")
    }

    @Test func aWrongPortOrAMissingHealthCheckIsFound() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("examples-ci-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func copy(_ name: String, _ edit: (String) -> String) throws -> String {
            let text = try String(contentsOf: Self.root.appendingPathComponent(name), encoding: .utf8)
            let path = directory.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent).path
            try Data(edit(text).utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let workflow = try copy("Examples/ci/github-actions.yml") { $0.replacingOccurrences(of: "--health-cmd \"redis-cli ping\"", with: "") }
        let compose = try copy("Examples/ci/compose.yaml") { $0 }
        let article = try copy("Conformance/Documentation.docc/RunningTheSuiteInYourCI.md") { $0.replacingOccurrences(of: "idstore:idstore@127.0.0.1:3306/idstore --junit", with: "idstore:idstore@127.0.0.1:3307/idstore --junit") }
        let (status, output) = try await Self.verify([workflow, compose, article])
        #expect(status == 1, "\(output)")
        #expect(output.contains("service redis of job conformance has no health check"), "\(output)")
        #expect(output.contains("uses port 3307, which no service maps"), "\(output)")
    }
}
