// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import Foundation
import IdentityStorage
import IdentityStorageKeys
import IdentityStorageOpener
import ServerTestSupport
import Testing

/// `idstore keys list|rotate|revoke|rewrap` on an SQLite store that servers' managers use.
@Suite struct KeysToolTests {
    @Test func listRotateRevokeRewrap() async throws {
        let scratch = try Scratch()
        let url = "sqlite:\(scratch.path("keys.db"))"
        let kekFiles = try (0..<2).map { index in
            let path = scratch.path("kek-\(index)")
            try SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path))
            return path
        }
        let empty = await ToolRun.run(["keys", "list", "--store", url], drivers: .builtIn)
        #expect(empty.status == 0 && empty.stdout.contains { $0.contains("no keys") }, "\(empty)")

        // A server's managers create their keys.
        let store = try await StoreOpener.builtIn.open(url: url)
        let stores = store.makeStores()
        var policy = SigningKeyPolicy()
        policy.algorithms = [.rs256, .es256]
        let server = try KeyManagement(stores: stores, keyEncryption: try LocalKeyEncryptionKeys(current: try LocalKeyEncryptionKeys.read(file: kekFiles[0])),
                                       signing: policy)
        let rs256 = try await server.signingKeys.currentSigningKey(for: .rs256)
        let dataProtectionKey = try await server.dataProtector.currentKey()
        let payload = try await server.dataProtector.protect(Data("cookie".utf8), purpose: DataProtectionPurpose("tool"))

        let list = await ToolRun.run(["keys", "list", "--store", url], drivers: .builtIn)
        #expect(list.status == 0, "\(list)")
        let table = list.stdout.joined(separator: "\n")
        #expect(table.contains(rs256.id) && table.contains(dataProtectionKey.id.uuidString.lowercased()), "\(table)")
        #expect(list.stdout.filter { $0.contains(" signing ") || $0.hasPrefix("signing") }.count >= 2, "\(table)")
        // Never key bytes: neither the public modulus nor any stored material.
        #expect(!table.contains(rs256.publicJWK["n"]!))
        for element in try await stores.keyRing.allElements() {
            let material = element.xml.components(separatedBy: "\"material\":\"").dropFirst().first?.prefix(20) ?? ""
            #expect(!material.isEmpty && !table.contains(material), "the list shows key material")
        }

        // Rotate immediately: new keys sign and protect at once on a server that reads the store.
        let rotate = await ToolRun.run(["keys", "rotate", "--store", url, "--encryption-key", kekFiles[0], "--immediately"], drivers: .builtIn)
        #expect(rotate.status == 0, "\(rotate)")
        #expect(rotate.stdout.filter { $0.hasPrefix("signing key ") }.count == 2, "\(rotate)")
        try await server.signingKeys.refresh()
        #expect(try await server.signingKeys.currentSigningKey(for: .rs256).id != rs256.id)
        #expect(try await server.signingKeys.validationKeys().contains { $0.id == rs256.id }, "the rotated-out key stays published")

        // Revoke: the data-protection key, then a signing key.
        let revoke = await ToolRun.run(["keys", "revoke", dataProtectionKey.id.uuidString.lowercased(), "--store", url, "--encryption-key", kekFiles[0]],
                                       drivers: .builtIn)
        #expect(revoke.status == 0, "\(revoke)")
        do {
            _ = try await DataProtector(keyRing: stores.keyRing, keyEncryption: try LocalKeyEncryptionKeys(current: try LocalKeyEncryptionKeys.read(file: kekFiles[0])))
                .unprotect(payload, purpose: DataProtectionPurpose("tool"))
            Issue.record("a payload of the revoked key unprotected")
        } catch let error as DataProtectionError {
            #expect(error == .revokedKey(dataProtectionKey.id))
        }
        let revokeSigning = await ToolRun.run(["keys", "revoke", rs256.id, "--store", url], drivers: .builtIn)
        #expect(revokeSigning.status == 0, "\(revokeSigning)")
        #expect(!(try await stores.signingKeys.loadKeys().contains { $0.id == rs256.id }))
        let unknown = await ToolRun.run(["keys", "revoke", "no-such-key", "--store", url], drivers: .builtIn)
        #expect(unknown.status == 1 && unknown.stderr.contains { $0.contains("no signing key or data-protection key") }, "\(unknown)")

        // Rewrap under the second key-encryption key; the list names it as every key's storage.
        let rewrap = await ToolRun.run(["keys", "rewrap", "--store", url, "--encryption-key", kekFiles[0], "--new-encryption-key", kekFiles[1]], drivers: .builtIn)
        #expect(rewrap.status == 0, "\(rewrap)")
        let newId = LocalKeyEncryptionKeys.keyId(of: try LocalKeyEncryptionKeys.read(file: kekFiles[1]))
        let after = await ToolRun.run(["keys", "list", "--store", url, "--json"], drivers: .builtIn)
        let rows = after.stdout.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        let dataProtection = rows.filter { $0["kind"] == "data-protection" }
        #expect(!dataProtection.isEmpty && dataProtection.allSatisfy { $0["storage"] == newId }, "\(after)")
        await store.close()
    }
}
