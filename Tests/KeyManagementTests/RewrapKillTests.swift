// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import Foundation
import IdentityStorage
import IdentityStorageKeys
import ServerTestSupport
import Testing

/// `idstore keys rewrap` killed with SIGKILL at 20 random moments, each time resumed: at every kill each key is
/// readable with the old key-encryption key or the new one (every key with one of them), and after each resumed run
/// every payload protected before unprotects with the new key alone.
@Suite struct RewrapKillTests {
    static let keys = 24

    @Test(.timeLimit(.minutes(20)), arguments: KeyStoreBackend.allCases.filter(\.isShared))
    func rewrapSurvivesSIGKILL(_ backend: KeyStoreBackend) async throws {
        let scratch = try Scratch()
        guard let url = try await backend.privateStore(uniqueName("rewrap"), in: scratch) else { return }
        let keks = [SymmetricKey(size: .bits256), SymmetricKey(size: .bits256)]
        let files = try keks.enumerated().map { index, key in
            let path = scratch.path("kek-\(index)")
            try key.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path))
            return path
        }
        try await KeyStoreBackend.withStore(url) { store in
            let stores = store.makeStores()
            // Keys under the first KEK, one payload protected by each.
            let clock = ManualWallClock(start: simulationStart)
            let first = DataProtector(keyRing: stores.keyRing, keyEncryption: try LocalKeyEncryptionKeys(current: keks[0]), clock: clock)
            var payloads: [(Data, Data)] = []
            for index in 0..<Self.keys {
                try await first.createKey(immediately: true)
                clock.advance(by: 2 * day + 1)
                let plaintext = Data("payload \(index)".utf8)
                payloads.append((try await first.protect(plaintext, purpose: DataProtectionPurpose("rewrap")), plaintext))
            }
            let keyCount = try await first.keys().count
            #expect(keyCount >= Self.keys)

            var durations: [Duration] = []
            var kills = 0, bothReadable = 0
            for round in 0..<20 {
                let (from, to) = (round % 2, (round + 1) % 2)
                let arguments = ["keys", "rewrap", "--store", url, "--encryption-key", files[from], "--previous-encryption-key", files[to],
                                 "--new-encryption-key", files[to]]
                // The kill: at a random moment within the longest full run so far (a second before any was measured).
                let longest = durations.max() ?? .seconds(1)
                let delay = Duration.nanoseconds(Int64.random(in: 0...longest.nanosecondsCount))
                let killed = try await Self.runIdstore(arguments, killAfter: delay)
                let readable = [try await Self.unprotectsAll(payloads, stores, with: keks[from]), try await Self.unprotectsAll(payloads, stores, with: keks[to])]
                #expect(readable.contains(true), "\(backend) round \(round): after the kill no key-encryption key reads every key")
                if killed.status == -1 { kills += 1 }
                if readable == [true, true] { bothReadable += 1 }
                // Resumed: runs to the end.
                let started = ContinuousClock.now
                let resumed = try await Self.runIdstore(arguments, killAfter: nil)
                durations.append(ContinuousClock.now - started)
                #expect(resumed.status == 0, "\(backend) round \(round): the resumed rewrap failed: \(resumed.output)")
                #expect(try await Self.unprotectsAll(payloads, stores, with: keks[to]), "\(backend) round \(round): not every payload unprotects with the new key")
                let elements = try await stores.keyRing.allElements()
                #expect(elements.count == keyCount, "\(backend) round \(round): \(elements.count) elements for \(keyCount) keys after the resumed rewrap")
                #expect(!elements.contains { $0.xml.contains(LocalKeyEncryptionKeys.keyId(of: keks[from])) }, "\(backend) round \(round): copies under the old key remain")
            }
            print("KeyManagementTests \(backend): 20 rewraps, \(kills) killed before they ended (\(bothReadable) times every key was readable "
                  + "with both key-encryption keys), each resumed")
        }
    }

    /// Whether every payload unprotects with a fresh protector holding only `kek`.
    static func unprotectsAll(_ payloads: [(Data, Data)], _ stores: IdentityStores, with kek: SymmetricKey) async throws -> Bool {
        let protector = DataProtector(keyRing: stores.keyRing, keyEncryption: try LocalKeyEncryptionKeys(current: kek))
        for (payload, plaintext) in payloads {
            guard (try? await protector.unprotect(payload, purpose: DataProtectionPurpose("rewrap"))) == plaintext else { return false }
        }
        return true
    }

    /// Runs the `idstore` executable with `arguments`, sending it SIGKILL after `killAfter` if it still runs.
    static func runIdstore(_ arguments: [String], killAfter: Duration?) async throws -> (status: Int32, output: String) {
        try await offTheCooperativePool {
            let process = try ChildProcess(PackagePaths.executable("idstore"), arguments, mergingErrors: true)
            if let killAfter {
                let deadline = ContinuousClock.now + killAfter
                while process.isRunning, ContinuousClock.now < deadline { usleep(500) }
                process.signal(SIGKILL)
            }
            let text = String(decoding: process.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationReason == .uncaughtSignal ? -1 : process.terminationStatus, text)
        }
    }
}

extension Duration {
    /// Whole nanoseconds (saturating).
    var nanosecondsCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
