// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import Foundation
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageMemory
import ServerTestSupport
import Testing

/// Ten instances starting at once on an empty store, then reaching a rotation at the same moment: exactly one
/// signing key per algorithm and one data-protection key each time. On every backend and `file:` the instances are
/// processes (`keys-probe`, Tests/KeysProbe); `memory:` lives in one process, so there they are ten managers racing
/// in this one.
@Suite struct KeyRaceTests {
    static let instances = 10
    static let algorithms: [SigningAlgorithm] = [.rs256, .ps256, .es256]
    /// Late enough that every signing key and the data-protection key need a successor.
    static let rotationMoment = simulationStart.addingTimeInterval(88 * day)

    @Test(.timeLimit(.minutes(20)), arguments: KeyStoreBackend.allCases)
    func tenInstancesCreateExactlyOneKeyEach(_ backend: KeyStoreBackend) async throws {
        let scratch = try Scratch()
        guard let url = try await backend.privateStore(uniqueName("keyrace"), in: scratch) else { return }
        let kek = SymmetricKey(size: .bits256)
        try await KeyStoreBackend.withStore(url) { store in
            let stores = store.makeStores()
            for (round, moment) in [simulationStart, Self.rotationMoment].enumerated() {
                let answers: [String]
                if backend.isShared {
                    answers = try await Self.processes(url: url, at: moment, kek: kek, scratch: scratch, round: round)
                } else {
                    answers = try await Self.inProcess(stores, at: moment, kek: kek)
                }
                let keys = try await stores.signingKeys.loadKeys()
                for algorithm in Self.algorithms {
                    #expect(keys.filter { $0.algorithm == algorithm.rawValue }.count == round + 1,
                            "\(backend) round \(round): \(algorithm) keys \(keys.filter { $0.algorithm == algorithm.rawValue }.map(\.id))")
                }
                let ring = try await stores.keyRing.allElements()
                #expect(ring.count == round + 1, "\(backend) round \(round): \(ring.count) data-protection keys")
                #expect(Set(answers).count == 1, "\(backend) round \(round): the instances disagree on the current keys: \(Set(answers))")
                print("KeyManagementTests \(backend) round \(round): \(answers.count) instances, \(keys.count) signing keys, \(ring.count) data-protection keys")
            }
        }
    }

    /// Ten `keys-probe` processes, started and told to go at once; each one's JSON answer.
    static func processes(url: String, at moment: Date, kek: SymmetricKey, scratch: Scratch, round: Int) async throws -> [String] {
        let barrier = scratch.path("go-\(round)")
        let hex = kek.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
        var probes: [ProbeProcess] = []
        defer { for probe in probes { probe.killWithoutWaiting() } }
        for _ in 0..<instances {
            probes.append(try await ProbeProcess.start(PackagePaths.executable("keys-probe"),
                                                       ["instance", url, "--at", String(moment.microsecondsSince1970), "--barrier", barrier, "--kek", hex,
                                                        "--algorithms", algorithms.map(\.rawValue).joined(separator: ",")], capturingErrors: true))
        }
        return try await offTheCooperativePool { [probes] in
            for probe in probes {
                let line = try probe.nextLine()
                guard line == "ready" else { throw ProbeProcess.Failure.unexpected(line + probe.errors()) }
            }
            _ = FileManager.default.createFile(atPath: barrier, contents: nil)
            return try probes.map { probe in
                let line = try probe.nextLine()
                guard line.hasPrefix("{") else { throw ProbeProcess.Failure.unexpected(line + probe.errors()) }
                return line
            }
        }
    }

    /// Ten managers of this process on the one `memory:` store, racing as tasks.
    static func inProcess(_ stores: IdentityStores, at moment: Date, kek: SymmetricKey) async throws -> [String] {
        let clock = ManualWallClock(start: moment)
        var policy = SigningKeyPolicy()
        policy.algorithms = algorithms
        let provider = try LocalKeyEncryptionKeys(current: kek)
        return try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<instances {
                let keys = try KeyManagement(stores: stores, keyEncryption: provider, signing: policy, clock: clock)
                group.addTask {
                    var kids: [String] = []
                    for algorithm in algorithms { kids.append(try await keys.signingKeys.currentSigningKey(for: algorithm).id) }
                    return kids.joined(separator: ",") + " " + (try await keys.dataProtector.currentKey().id.uuidString)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
