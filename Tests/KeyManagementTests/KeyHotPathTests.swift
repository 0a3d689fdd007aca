// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import Foundation
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageMemory
import ServerTestSupport
import Synchronization
import Testing

/// The issue's third target, as a count rather than a speed: once the keys are in memory, protecting, unprotecting,
/// signing and serving the JWKS make no call to the key stores (the background check of the store, which no caller
/// waits for, is set out of the way here; it runs at most every `storeCheckInterval`).
@Suite struct KeyHotPathTests {
    @Test func protectAndSignMakeNoStoreCall() async throws {
        let clock = ManualWallClock(start: simulationStart)
        let keyRing = CountingKeyRingStore()
        let signingKeys = CountingSigningKeyStore()
        var dataProtection = DataProtectionPolicy()
        dataProtection.storeCheckInterval = 1_000 * day
        var signing = SigningKeyPolicy()
        signing.algorithms = [.rs256, .es256]
        signing.storeCheckInterval = 1_000 * day
        let protector = DataProtector(keyRing: keyRing, keyEncryption: try LocalKeyEncryptionKeys(current: SymmetricKey(size: .bits256)),
                                      policy: dataProtection, clock: clock)
        let manager = try SigningKeyManager(store: signingKeys, dataProtector: protector, policy: signing, clock: clock)
        let purpose = DataProtectionPurpose("hot path")
        let claims = Data(#"{"sub":"ada"}"#.utf8)

        // Warm: the keys are created and read once.
        _ = try await protector.unprotect(try await protector.protect(Data("warm".utf8), purpose: purpose), purpose: purpose)
        for algorithm in signing.algorithms { _ = try await manager.signJWT(claims: claims, algorithm: algorithm) }
        let warm = (keyRing.calls, signingKeys.calls)
        #expect(warm.0 > 0 && warm.1 > 0, "the warm-up read no store: \(warm)")

        for index in 0..<500 {
            let plaintext = Data("payload \(index)".utf8)
            #expect(try await protector.unprotect(try await protector.protect(plaintext, purpose: purpose), purpose: purpose) == plaintext)
            for algorithm in signing.algorithms { _ = try await manager.signJWT(claims: claims, algorithm: algorithm) }
            _ = try await manager.jsonWebKeySet()
            // An hour passes every 50 calls: the key cache (24 hours) still serves.
            if index % 50 == 49 { clock.advance(by: 3600) }
        }
        #expect(keyRing.calls == warm.0, "key-ring calls on the hot path: \(keyRing.calls - warm.0)")
        #expect(signingKeys.calls == warm.1, "signing-key store calls on the hot path: \(signingKeys.calls - warm.1)")
    }
}

/// A memory key ring that counts the calls made to it.
final class CountingKeyRingStore: KeyRingStore {
    private let ring = MemoryKeyRingStore()
    private let count = Atomic<Int>(0)

    var calls: Int { count.load(ordering: .sequentiallyConsistent) }

    private func counted() { count.add(1, ordering: .sequentiallyConsistent) }

    func allElements() async throws -> [KeyRingElement] {
        counted()
        return try await ring.allElements()
    }

    @discardableResult func storeElement(xml: String, friendlyName: String?) async throws -> KeyRingElement {
        counted()
        return try await ring.storeElement(xml: xml, friendlyName: friendlyName)
    }

    func storeElement(xml: String, friendlyName: String?, ifLatestIdIs expectedLatestId: Int64?) async throws -> KeyRingElement? {
        counted()
        return try await ring.storeElement(xml: xml, friendlyName: friendlyName, ifLatestIdIs: expectedLatestId)
    }

    @discardableResult func deleteElements(withIds ids: [Int64]) async throws -> Int {
        counted()
        return try await ring.deleteElements(withIds: ids)
    }
}

/// Memory signing keys that count the calls made to them.
final class CountingSigningKeyStore: SigningKeyStore {
    private let keys = MemorySigningKeyStore()
    private let count = Atomic<Int>(0)

    var calls: Int { count.load(ordering: .sequentiallyConsistent) }

    private func counted() { count.add(1, ordering: .sequentiallyConsistent) }

    func loadKeys() async throws -> [SerializedKey] {
        counted()
        return try await keys.loadKeys()
    }

    func storeKey(_ key: SerializedKey) async throws {
        counted()
        try await keys.storeKey(key)
    }

    func storeKey(_ key: SerializedKey, ifNoKeyCreatedAfter threshold: Date) async throws -> Bool {
        counted()
        return try await keys.storeKey(key, ifNoKeyCreatedAfter: threshold)
    }

    @discardableResult func deleteKey(withId id: String) async throws -> Bool {
        counted()
        return try await keys.deleteKey(withId: id)
    }
}
