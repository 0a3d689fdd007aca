// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import Foundation
import IdentityStorage
import IdentityStorageKeys
import ServerTestSupport
import Testing

/// 400 simulated days on every backend and on `file:`: two instances sharing the store, every 6 hours each asked for
/// the key to sign with and the key to protect with.
@Suite struct KeySimulationTests {
    static let step: TimeInterval = 6 * 3600

    @Test(.timeLimit(.minutes(20)), arguments: KeyStoreBackend.allCases)
    func fourHundredDaysOfRotation(_ backend: KeyStoreBackend) async throws {
        let scratch = try Scratch()
        guard let url = try await backend.privateStore(uniqueName("keysim"), in: scratch) else { return }
        try await KeyStoreBackend.withStore(url) { store in
            let clock = ManualWallClock(start: simulationStart)
            let stores = store.makeStores(clock: clock)
            let kek = try LocalKeyEncryptionKeys(current: SymmetricKey(size: .bits256))
            var signing = SigningKeyPolicy()
            signing.algorithms = [.rs256, .es256]
            let instances = try (0..<2).map { _ in try KeyManagement(stores: stores, keyEncryption: kek, signing: signing, clock: clock) }
            let purpose = DataProtectionPurpose("simulation")

            var firstPublished: [String: Date] = [:], firstSigning: [String: Date] = [:], lastSigning: [String: Date] = [:], lastPublished: [String: Date] = [:]
            var created: [String: Date] = [:]
            var firstDefault: [UUID: Date] = [:], dataProtectionCreated: [UUID: Date] = [:]
            var payloads: [(Data, Data)] = []
            var maximumStored = 0, maximumRing = 0
            let steps = Int(400 * day / Self.step)
            for index in 0...steps {
                let now = clock.now
                for algorithm in signing.algorithms {
                    let keys = try await instances.asyncMap { try await $0.signingKeys.currentSigningKey(for: algorithm) }
                    #expect(keys[0].id == keys[1].id, "\(backend) day \(index / 4): the instances sign \(algorithm) with different keys")
                    let key = keys[0]
                    #expect(key.activation <= now && now < key.expiration,
                            "\(backend) \(now): \(algorithm) signs with \(key.id) outside its window \(key.activation)..<\(key.expiration)")
                    if firstSigning[key.id] == nil { firstSigning[key.id] = now }
                    lastSigning[key.id] = now
                    created[key.id] = key.created
                    let jwt = try key.signJWT(claims: Data(#"{"sub":"ada"}"#.utf8))
                    #expect(jwt.split(separator: ".").count == 3)
                }
                for key in try await instances[index % 2].signingKeys.validationKeys() {
                    if firstPublished[key.id] == nil { firstPublished[key.id] = now }
                    lastPublished[key.id] = now
                    created[key.id] = key.created
                }
                let jwks = try JSONSerialization.jsonObject(with: try await instances[0].signingKeys.jsonWebKeySet()) as? [String: [[String: String]]]
                for algorithm in signing.algorithms {
                    let current = try await instances[0].signingKeys.currentSigningKey(for: algorithm).id
                    #expect(jwks?["keys"]?.contains { $0["kid"] == current && $0["alg"] == algorithm.rawValue && $0["use"] == "sig" } == true,
                            "\(backend) \(now): the JWKS lacks the current \(algorithm) key")
                }
                // Protect on one instance, unprotect on the other.
                let plaintext = Data("day \(index)".utf8)
                let payload = try await instances[index % 2].dataProtector.protect(plaintext, purpose: purpose)
                #expect(try await instances[(index + 1) % 2].dataProtector.unprotect(payload, purpose: purpose) == plaintext)
                if index % 40 == 0 { payloads.append((payload, plaintext)) }
                let defaultKey = try await instances[index % 2].dataProtector.currentKey()
                if firstDefault[defaultKey.id] == nil { firstDefault[defaultKey.id] = now }
                dataProtectionCreated[defaultKey.id] = defaultKey.created
                maximumStored = max(maximumStored, try await stores.signingKeys.loadKeys().count)
                maximumRing = max(maximumRing, try await stores.keyRing.allElements().count)
                clock.advance(by: Self.step)
            }
            let propagation = signing.propagationTime, retention = signing.retentionDuration
            let initial = Set(firstSigning.filter { $0.value == simulationStart }.keys)
            #expect(initial.count == signing.algorithms.count, "\(backend): one key per algorithm at the start: \(initial)")
            for (id, signed) in firstSigning where !initial.contains(id) {
                let published = firstPublished[id] ?? signed
                #expect(signed.timeIntervalSince(published) >= propagation - Self.step && signed.timeIntervalSince(created[id]!) >= propagation,
                        "\(backend): key \(id) signed \(signed.timeIntervalSince(created[id]!) / day) days after its creation, published \(signed.timeIntervalSince(published) / day) days before")
            }
            let end = simulationStart.addingTimeInterval(Double(steps) * Self.step)
            for (id, last) in lastSigning where end.timeIntervalSince(last) > retention + Self.step {
                #expect((lastPublished[id] ?? last).timeIntervalSince(last) >= retention - Self.step,
                        "\(backend): key \(id) left the JWKS \((lastPublished[id] ?? last).timeIntervalSince(last) / day) days after it stopped signing")
            }
            #expect(firstSigning.count >= 2 * 4, "\(backend): keys rotated: \(firstSigning.count) keys signed over 400 days")
            #expect(maximumStored <= 3 * signing.algorithms.count, "\(backend): at most \(maximumStored) signing keys stored at once")
            #expect(maximumRing <= 8, "\(backend): \(maximumRing) key-ring elements after 400 days")
            for (id, first) in firstDefault where first > simulationStart {
                #expect(first.timeIntervalSince(dataProtectionCreated[id]!) >= 2 * day,
                        "\(backend): data-protection key \(id) protected \(first.timeIntervalSince(dataProtectionCreated[id]!) / day) days after its creation")
            }
            #expect(firstDefault.count >= 4, "\(backend): \(firstDefault.count) data-protection keys over 400 days")
            // Every payload of the 400 days still unprotects, its key expired or not.
            for (payload, plaintext) in payloads {
                #expect(try await instances[0].dataProtector.unprotect(payload, purpose: purpose) == plaintext)
            }
            print("KeyManagementTests \(backend): 400 days, \(firstSigning.count) signing keys, \(firstDefault.count) data-protection keys, "
                  + "at most \(maximumStored) signing keys and \(maximumRing) ring elements stored")
        }
    }
}

extension Array {
    /// `transform` applied to each element in order, awaiting each.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
