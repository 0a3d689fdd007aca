// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import Foundation
import IdentityStorage
import IdentityStorageKeys
import ServerTestSupport
import Testing

/// The data protector's payloads: round trips, and a typed error (never a crash) for every payload it must refuse,
/// with the key ring on every backend and on `file:`.
@Suite struct DataProtectorTests {
    static let purpose = DataProtectionPurpose("KeyManagementTests", "payloads")

    func protector(_ stores: IdentityStores, clock: ManualWallClock = ManualWallClock(start: simulationStart),
                   kek: (any KeyEncryptionKeyProvider)? = nil) -> DataProtector {
        DataProtector(keyRing: stores.keyRing, keyEncryption: kek, clock: clock)
    }

    static func expectError(_ expected: DataProtectionError, _ what: String, _ body: () async throws -> Data) async {
        do {
            _ = try await body()
            Issue.record("\(what): unprotected, expected \(expected)")
        } catch let error as DataProtectionError {
            #expect(error == expected, "\(what): \(error)")
        } catch {
            Issue.record("\(what): \(error), expected \(expected)")
        }
    }

    @Test(.timeLimit(.minutes(20)), arguments: KeyStoreBackend.allCases)
    func roundTripsAndRefusesEveryBadPayload(_ backend: KeyStoreBackend) async throws {
        let scratch = try Scratch()
        guard let url = try await backend.privateStore(uniqueName("payloads"), in: scratch) else { return }
        try await KeyStoreBackend.withStore(url) { store in
            let stores = store.makeStores()
            let clock = ManualWallClock(start: simulationStart)
            let dp = protector(stores, clock: clock)
            let plaintext = Data((0..<1024).map { UInt8(truncatingIfNeeded: $0) })
            let payload = try await dp.protect(plaintext, purpose: Self.purpose)
            #expect(try await dp.unprotect(payload, purpose: Self.purpose) == plaintext)
            #expect(try await dp.unprotect(try await dp.protect(Data(), purpose: Self.purpose), purpose: Self.purpose) == Data(), "an empty payload")

            // Every single-bit flip anywhere is refused with a typed error.
            for index in 0..<payload.count {
                var tampered = payload
                tampered[index] ^= 0x01
                do {
                    _ = try await dp.unprotect(tampered, purpose: Self.purpose)
                    Issue.record("byte \(index) flipped: unprotected")
                } catch is DataProtectionError {
                } catch {
                    Issue.record("byte \(index) flipped: \(error)")
                }
            }
            var tamperedBody = payload
            tamperedBody[payload.count - 20] ^= 0x80
            await Self.expectError(.tampered, "ciphertext altered") { try await dp.unprotect(tamperedBody, purpose: Self.purpose) }
            for length in [0, 1, 10, 21, 22, 49] {
                await Self.expectError(.truncated, "truncated to \(length) bytes") { try await dp.unprotect(payload.prefix(length), purpose: Self.purpose) }
            }
            await Self.expectError(.tampered, "the tag cut by one byte") { try await dp.unprotect(payload.dropLast(), purpose: Self.purpose) }
            await Self.expectError(.wrongPurpose, "another purpose") {
                try await dp.unprotect(payload, purpose: DataProtectionPurpose("KeyManagementTests", "other"))
            }
            await Self.expectError(.wrongPurpose, "a longer purpose chain") { try await dp.unprotect(payload, purpose: Self.purpose.appending("more")) }
            var version = payload
            version[0] = 0x7f
            await Self.expectError(.unsupportedFormat(version: 0x7f), "another version byte") { try await dp.unprotect(version, purpose: Self.purpose) }
            var unknown = payload
            unknown[5] ^= 0xff
            let unknownId = UUID(uuid: (unknown[1], unknown[2], unknown[3], unknown[4], unknown[5], unknown[6], unknown[7], unknown[8],
                                        unknown[9], unknown[10], unknown[11], unknown[12], unknown[13], unknown[14], unknown[15], unknown[16]))
            await Self.expectError(.unknownKey(unknownId), "a key id not in the ring") { try await dp.unprotect(unknown, purpose: Self.purpose) }

            // Random bytes of every length up to 200: typed errors only.
            for length in 0..<200 {
                let noise = Data((0..<length).map { _ in UInt8.random(in: 0...255) })
                do { _ = try await dp.unprotect(noise, purpose: Self.purpose); Issue.record("\(length) random bytes unprotected") } catch is DataProtectionError {}
            }

            // Expiry inside the payload.
            let expiring = try await dp.protect(plaintext, purpose: Self.purpose, expiresAt: clock.now.addingTimeInterval(60))
            #expect(try await dp.unprotect(expiring, purpose: Self.purpose) == plaintext)
            clock.advance(by: 61)
            await Self.expectError(.expired(simulationStart.addingTimeInterval(60)), "past its expiry") { try await dp.unprotect(expiring, purpose: Self.purpose) }

            // An expired key still unprotects; a revoked one does not, on this instance and on another.
            clock.advance(by: 200 * day)
            #expect(try await dp.unprotect(payload, purpose: Self.purpose) == plaintext, "a payload of a key expired long ago")
            let keyId = try await dp.keys().first!.id
            #expect(try await dp.revoke(keyId: keyId, reason: "test"))
            await Self.expectError(.revokedKey(keyId), "a revoked key's payload") { try await dp.unprotect(payload, purpose: Self.purpose) }
            await Self.expectError(.revokedKey(keyId), "a revoked key's payload on another instance") {
                try await protector(stores, clock: clock).unprotect(payload, purpose: Self.purpose)
            }
            #expect(try await dp.currentKey().id != keyId, "a new default key after the revocation")
            #expect(try await dp.unprotect(try await dp.protect(plaintext, purpose: Self.purpose), purpose: Self.purpose) == plaintext)
        }
    }

    @Test(.timeLimit(.minutes(20)), arguments: KeyStoreBackend.allCases)
    func keysAtRestAreEncryptedUnderTheKeyEncryptionKey(_ backend: KeyStoreBackend) async throws {
        let scratch = try Scratch()
        guard let url = try await backend.privateStore(uniqueName("kek"), in: scratch) else { return }
        try await KeyStoreBackend.withStore(url) { store in
            let stores = store.makeStores()
            let kek = try LocalKeyEncryptionKeys(current: SymmetricKey(size: .bits256))
            let dp = protector(stores, kek: kek)
            let payload = try await dp.protect(Data("secret".utf8), purpose: Self.purpose)
            let elements = try await stores.keyRing.allElements()
            #expect(elements.count == 1)
            #expect(elements[0].xml.contains(kek.currentKeyId), "the element names its key-encryption key: \(elements[0].xml)")
            // Another instance with the key-encryption key reads it; one without it, or with another, does not.
            #expect(try await protector(stores, kek: kek).unprotect(payload, purpose: Self.purpose) == Data("secret".utf8))
            let keyId = try await dp.currentKey().id
            await Self.expectError(.keyUnavailable(keyId), "no key-encryption key") { try await protector(stores).unprotect(payload, purpose: Self.purpose) }
            let other = try LocalKeyEncryptionKeys(current: SymmetricKey(size: .bits256))
            await Self.expectError(.keyUnavailable(keyId), "another key-encryption key") {
                try await protector(stores, kek: other).unprotect(payload, purpose: Self.purpose)
            }
            // An instance missing the key-encryption key creates no key of its own: it reports what it lacks.
            do {
                _ = try await protector(stores, kek: other).protect(Data(), purpose: Self.purpose)
                Issue.record("protected without being able to read the default key")
            } catch let error as IdentityStorageError {
                #expect(error.code == .permissionDenied, "\(error)")
            }
            #expect(try await stores.keyRing.allElements().count == 1, "no key was added by the instances without the key-encryption key")
        }
    }

    @Test func keyEncryptionKeysDecodeFromRawBase64AndHex() throws {
        let bytes = Data((0..<32).map { UInt8($0) })
        let id = LocalKeyEncryptionKeys.keyId(of: SymmetricKey(data: bytes))
        for form in [bytes, Data(bytes.base64EncodedString().utf8), Data((bytes.map { String(format: "%02x", $0) }.joined() + "\n").utf8)] {
            #expect(LocalKeyEncryptionKeys.keyId(of: try LocalKeyEncryptionKeys.decode(form, source: "test")) == id)
        }
        #expect(throws: IdentityStorageError.self) { try LocalKeyEncryptionKeys.decode(Data(repeating: 1, count: 31), source: "test") }
        #expect(throws: IdentityStorageError.self) { try LocalKeyEncryptionKeys.decode(Data("not a key".utf8), source: "test") }
    }
}
