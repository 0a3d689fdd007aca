import Crypto
import Foundation

/// A purpose chain (ASP.NET Core's `CreateProtector("a", "b")`): payloads protected for one chain unprotect only
/// with the same chain, each chain using a subkey of its own derived with HKDF-SHA256.
///
/// Make one per use and keep it (`static let session = DataProtectionPurpose("MyServer", "session cookie")`).
public struct DataProtectionPurpose: Sendable, Hashable, CustomStringConvertible {
    /// The purposes, outermost first.
    public let chain: [String]
    /// HKDF's `info`: a label and each purpose with its length, so that no two chains collide.
    let info: Data
    /// The first 4 bytes of SHA-256 over `info`, in every payload's header: tells a wrong purpose from tampering.
    let tag: UInt32
    /// The chain as one string, the subkey caches' key.
    let cacheKey: String

    /// The purpose chain `chain`, outermost first: `DataProtectionPurpose("idp", "session")`.
    public init(_ chain: String...) {
        self.init(chain: chain)
    }

    /// The purpose chain `chain`, outermost first.
    public init(chain: [String]) {
        self.chain = chain
        var info = Data("IdentityStorageKeys data protection v1".utf8)
        for purpose in chain {
            let bytes = Data(purpose.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { info.append(contentsOf: $0) }
            info.append(bytes)
        }
        self.info = info
        let digest = Array(SHA256.hash(data: info))
        tag = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        cacheKey = chain.map { "\($0.utf8.count):\($0)" }.joined()
    }

    /// This chain with `purpose` added at the end.
    public func appending(_ purpose: String) -> DataProtectionPurpose {
        DataProtectionPurpose(chain: chain + [purpose])
    }

    public var description: String { chain.joined(separator: " / ") }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.chain == rhs.chain }
    public func hash(into hasher: inout Hasher) { hasher.combine(chain) }
}
