import Foundation
import IdentityStorage
import IdentityStorageFile
import IdentityStorageMemory
import IdentityStorageSQLite
import ServerTestSupport
import Testing

/// `idstore` with its deployment in a file (`--config`) and in `IDENTITYSTORAGE_*` variables: `check` and `doctor`
/// on the memory and SQLite backends, options winning over variables winning over the file, and a bad value in the
/// file reported on one line without its password.
@Suite("idstore: the deployment from a configuration file and the environment")
struct IdstoreConfigTests {
    static let drivers: [any IdentityStorageDriver] = [MemoryDriver(), SQLiteDriver(), FileDriver()]

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: ["memory", "sqlite"])
    func checkPassesOnADeploymentReadFromAFile(backend: String) async throws {
        let directory = try Scratch()
        let store = backend == "memory" ? "memory:" : "sqlite:\(directory.path("identity.db"))"
        let file = directory.path("deployment.json")
        try Self.write(#"{"identitystorage": {"store": "\#(store)", "cacheConfiguration": true, "configurationStaleness": 200}}"#, to: file)
        let check = await ToolRun.run(["check", "--config", file, "--filter", "grants."], drivers: Self.drivers)
        #expect(check.status == 0 && check.stdout.contains { $0.range(of: #"\d+ passed, 0 failed"#, options: .regularExpression) != nil }, "\(check)")
        if backend == "sqlite" {
            #expect(FileManager.default.fileExists(atPath: directory.path("identity.db")), "check ran on the file's store")
        }
    }

    @Test func doctorReadsAYAMLDeployment() async throws {
        let directory = try Scratch()
        let database = directory.path("doctor.db")
        let file = directory.path("deployment.yaml")
        try Self.write("identitystorage:\n  store: sqlite:\(database)\n", to: file)
        #expect(await ToolRun.run(["migrate", "--config", file], drivers: Self.drivers).status == 0)
        let doctor = await ToolRun.run(["doctor", "--config", file], drivers: Self.drivers)
        #expect(doctor.status == 0 && !doctor.stdout.contains { $0.contains("WRONG") }, "\(doctor)")
        #expect(doctor.stdout.contains { $0.contains(database) }, "doctor looked at the file's store: \(doctor)")
    }

    @Test func aBadValueInTheFileIsOneLineWithoutItsPassword() async throws {
        let directory = try Scratch()
        let file = directory.path("deployment.yaml")
        try Self.write("identitystorage:\n  store: \"postgres://app:hunter2@:5432/db\"\n", to: file)
        let run = await ToolRun.run(["migrate", "--config", file], drivers: Self.drivers)
        #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
        #expect(run.stderr.first?.contains("'identitystorage.store': store URL 'postgres://app:***@:5432/db' has an empty host") == true, "\(run)")
        #expect(!run.stderr.joined().contains("hunter2"))
    }

    /// The spawned tool, so each run has an environment of its own: which store `migrate` opened tells which setting won.
    @Test(arguments: [
        ([] as [String], [:] as [String: String], "file.db"),
        ([], ["IDENTITYSTORAGE_STORE": "sqlite:DIR/env.db"], "env.db"),
        ([], ["IDENTITYSTORAGE_STORE": "sqlite:DIR/env.db", "IDSTORE_URL": "sqlite:DIR/idstore-env.db"], "idstore-env.db"),
        (["--store", "sqlite:DIR/flag.db"], ["IDENTITYSTORAGE_STORE": "sqlite:DIR/env.db", "IDSTORE_URL": "sqlite:DIR/idstore-env.db"], "flag.db"),
    ])
    func optionsWinOverVariablesWhichWinOverTheFile(arguments: [String], environment: [String: String], expected: String) async throws {
        let directory = try Scratch()
        let file = directory.path("deployment.json")
        try Self.write(#"{"identitystorage": {"store": "sqlite:\#(directory.path("file.db"))"}}"#, to: file)
        let output = directory.path("output.txt")
        var variables = ["IDSTORE_URL": "", "IDENTITYSTORAGE_STORE": "", "IDSTORE_CONFIG": file]
        variables.merge(environment.mapValues { $0.replacingOccurrences(of: "DIR", with: directory.directory) }) { $1 }
        let spawnEnvironment = variables
        let status = try await offTheCooperativePool {
            spawnAndWait([PackagePaths.executable("idstore").path, "migrate"] + arguments.map { $0.replacingOccurrences(of: "DIR", with: directory.directory) },
                         environment: spawnEnvironment, output: output)
        }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(status == 0 && text.contains("sqlite:\(directory.path(expected)): schema version"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: directory.path(expected)))
    }

    @Test func aPartItsStoreCannotHoldNamesTheOptionTheVariableAndTheKey() async throws {
        let directory = try Scratch()
        let file = directory.path("deployment.json")
        try Self.write(#"{"identitystorage": {"store": "memory:", "keyStore": "file:\#(directory.path("configuration.json"))"}}"#, to: file)
        let run = await ToolRun.run(["migrate", "--config", file], drivers: Self.drivers)
        #expect(run.status == 1 && run.stderr.count == 1, "\(run)")
        #expect(run.stderr.first?.contains("cannot hold key material; it holds configuration: give --key-store (or IDSTORE_KEY_URL, or identitystorage.keyStore)") == true,
                "\(run)")
    }
}
