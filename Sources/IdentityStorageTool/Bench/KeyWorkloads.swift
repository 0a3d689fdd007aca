// swift-crypto's key types are not marked Sendable on Linux; they are immutable values, safe to share.
@preconcurrency import Crypto
import _CryptoExtras
import Foundation
import Histogram
import IdentityStorage
import IdentityStorageKeys

extension BenchRunner {
    /// The key workloads, each beside its baseline in the same run: swift-crypto called directly with a fixed key
    /// (AES-GCM seal and open of the same 1 KiB; P-256 or RSA signing of the same JWT signing input). The managers
    /// run over the deployment's key stores (keys are created there on first use, without a key-encryption key);
    /// after the warm-up every key look-up is served from their memory.
    func runKeyWorkload(_ workload: Workload, concurrency: Int) async throws -> BenchResult {
        var policy = SigningKeyPolicy()
        policy.algorithms = [.rs256, .es256]
        let keys = try KeyManagement(stores: stores, keyEncryption: nil, signing: policy)
        let plaintext = Data((0..<1024).map { UInt8(truncatingIfNeeded: $0) })
        let purpose = DataProtectionPurpose("idstore bench", "protect-unprotect")
        let claims = Data(#"{"aud":"bench-client","exp":1900000000,"iat":1800000000,"iss":"https://idp.example.com","nonce":"n-0S6_WzA2Mj","sub":"248289761001"}"#.utf8)
        let operation: @Sendable (Int) async throws -> Void
        let baseline: @Sendable (Int) throws -> Void
        switch workload {
        case .protectUnprotect:
            let dataProtector = keys.dataProtector
            operation = { _ in
                let payload = try await dataProtector.protect(plaintext, purpose: purpose)
                guard try await dataProtector.unprotect(payload, purpose: purpose).count == plaintext.count else { throw BenchKeyError.mismatch }
            }
            let key = SymmetricKey(size: .bits256)
            baseline = { _ in
                let sealed = try AES.GCM.seal(plaintext, using: key).combined!
                guard try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key).count == plaintext.count else { throw BenchKeyError.mismatch }
            }
        default:
            let algorithm: SigningAlgorithm = workload == .jwtSignES256 ? .es256 : .rs256
            let manager = keys.signingKeys
            operation = { _ in _ = try await manager.signJWT(claims: claims, algorithm: algorithm) }
            // The same compact JWS, made by hand with a key of its own: header and claims encoded, input signed.
            let header = Data(#"{"alg":"\#(algorithm.rawValue)","kid":"0123456789abcdef0123456789abcdef","typ":"JWT"}"#.utf8)
            let sign: @Sendable (Data) throws -> Data
            if algorithm == .es256 {
                let key = P256.Signing.PrivateKey()
                sign = { try key.signature(for: $0).rawRepresentation }
            } else {
                let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
                sign = { try key.signature(for: $0, padding: .insecurePKCS1v1_5).rawRepresentation }
            }
            baseline = { _ in
                let input = header.base64URL + "." + claims.base64URL
                _ = input + "." + (try sign(Data(input.utf8))).base64URL
            }
        }
        // Warm: the keys exist and are in memory before anything is timed.
        try await operation(0)
        if settings.warmup > 0, settings.duration == nil {
            _ = try await measure(concurrency: concurrency, operations: settings.warmup, operation)
        }
        let measured = try await measure(concurrency: concurrency, operation)
        if settings.warmup > 0, settings.duration == nil {
            _ = try await measure(concurrency: concurrency, operations: settings.warmup) { index in try baseline(index) }
        }
        let raw = try await measure(concurrency: concurrency) { index in try baseline(index) }
        return BenchResult(workload: workload.rawValue, concurrency: concurrency, operations: measured.operations, seconds: measured.seconds,
                           histogram: measured.histogram,
                           raw: .init(operations: raw.operations, seconds: raw.seconds, histogram: raw.histogram))
    }
}

enum BenchKeyError: Error { case mismatch }

extension Data {
    /// Base64url without padding, as the baselines encode JWTs.
    var base64URL: String {
        var text = base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
