#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Crypto
import Foundation

/// A token or code handed to a client, and the key its grant is stored under.
///
/// The store never holds the handle itself: the key is the SHA-256 of handle and grant type (upstream's
/// `DefaultGrantStore` does the same), so a copy of the database gives no one a usable code or refresh token.
struct GrantHandle {
    let value: String

    /// A new handle: 32 random bytes, base64url.
    static func random() -> GrantHandle {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0 ... .max, using: &generator) }
        return GrantHandle(value: Data(bytes).base64URLEncoded)
    }

    /// The grant's key for this handle and grant type.
    func key(type: String) -> String {
        Data(SHA256.hash(data: Data("\(value):\(type)".utf8))).base64EncodedString()
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URLEncoded text: some StringProtocol) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
#endif  // ExampleServer
