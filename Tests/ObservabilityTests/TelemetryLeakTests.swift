import Foundation
import IdentityStorage
import IdentityStorageConformance
import IdentityStorageOpener
import IdentityStorageTool
import ServerTestSupport
import Testing

/// The whole conformance suite, run by `idstore check` with the test kits installed: every case passes, every call
/// is timed and traced once, and nothing the kits captured holds a key, a value or a password the suite used.
@Suite("Telemetry of the conformance suite")
struct TelemetryLeakTests {
    /// Every key, id and name the suite writes starts with its case's namespace: `t` and ten letters or digits, then `.`.
    /// (A scan of the bytes: the suite captures tens of thousands of texts, and a `Regex` over each held a cooperative
    /// thread for seconds in a debug build, starving the tests beside this one.)
    static func holdsNamespace(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 12 else { return false }
        return (0...(bytes.count - 12)).contains { start in
            bytes[start] == UInt8(ascii: "t") && bytes[start + 11] == UInt8(ascii: ".")
                && bytes[(start + 1)...(start + 10)].allSatisfy { isLowercaseLetterOrDigit($0) }
        }
    }
    /// What a metric dimension or a span attribute may be: a name, a number, an address.
    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { isLowercaseLetterOrDigit($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || "_.:-".utf8.contains($0) }
    }

    private static func isLowercaseLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    @Test(arguments: TestBackend.allCases)
    func theSuiteLeavesNoKeyValueOrPasswordInLogsMetricsOrSpans(_ backend: TestBackend) async throws {
        let scratch = try Scratch()
        let url = backend == .sqlite ? try await backend.privateStore("telemetry", in: scratch) : Self.sharedURL(backend)
        guard await TestBackend.answers(url) else { return }
        let kits = TelemetryKits()
        let run = await ServerGate.sharing(store: url) {
            await ToolRun.run(["check", "--quiet", "--store", url, "--log-level", "trace"], drivers: .builtIn, observability: kits.observability())
        }
        #expect(run.checkPassedEveryCase(ConformanceSuite.cases.count), "\(backend): \(run)")

        let spans = kits.tracer.finishedSpans.count
        #expect(spans > 1_000 && spans == kits.timedCalls, "\(backend): \(spans) spans, \(kits.timedCalls) timed calls: one span per call")

        let captured = kits.capturedText
        let leaks = captured.filter(Self.holdsNamespace)
        #expect(leaks.isEmpty, "\(backend): keys or values of the suite in telemetry: \(leaks.prefix(5))")
        let credentials = try StoreURL(parsing: url)
        if let password = credentials.password {
            let forms = [":\(password)@", "password=\(password)", "password: \(password)"]
            let shown = captured.filter { text in forms.contains { text.contains($0) } }
            #expect(shown.isEmpty, "\(backend): a password in telemetry: \(shown.prefix(3))")
        }
        let freeText = kits.dimensionAndAttributeValues.filter { !Self.isIdentifier($0) }
        #expect(freeText.isEmpty, "\(backend): dimension or attribute values that are not identifiers: \(Set(freeText).prefix(5))")
        #expect(!kits.logs.entries.isEmpty, "\(backend): nothing was logged at trace level")
    }

    /// The backend's shared test store: `check` coordinates with the other suites through its leases.
    static func sharedURL(_ backend: TestBackend) -> String {
        switch backend {
        case .memory: "memory:"
        case .sqlite: "sqlite::memory:"
        case .postgres: TestServerURL.postgres
        case .mariadb: TestServerURL.mariadb
        case .redis: TestServerURL.redis
        case .redisCluster: TestServerURL.redisCluster
        }
    }
}
