#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Crypto
import Foundation
import IdentityStorage

/// A PKCE code challenge (RFC 7636), kept with the authorization code it was sent with.
struct CodeChallenge: Codable, Equatable {
    /// `code_challenge`.
    let value: String
    /// `code_challenge_method`: `S256` or `plain`.
    let method: String

    static let s256 = "S256"
    static let plain = "plain"

    /// The challenge of an authorization request, or nil when it has none and `client` may go without one
    /// (`requirePkce` false). The method defaults to `plain` (section 4.3), which only a client with
    /// `allowPlainTextPkce` may use.
    /// - Throws: ``OAuthError`` `invalid_request` for a missing, malformed or disallowed challenge.
    init?(value: String?, method: String?, for client: Client) throws {
        guard let value else {
            if method != nil { throw OAuthError.invalidRequest("code_challenge_method without code_challenge") }
            if client.requirePkce { throw OAuthError.invalidRequest("the client must send a PKCE code_challenge") }
            return nil
        }
        let method = method ?? Self.plain
        guard method == Self.s256 || method == Self.plain else { throw OAuthError.invalidRequest("code_challenge_method must be S256 or plain") }
        guard method == Self.s256 || client.allowPlainTextPkce else {
            throw OAuthError.invalidRequest("the client may not use the plain code_challenge_method")
        }
        // A plain challenge is a verifier, and an S256 one is 43 base64url characters: both are 43 to 128 unreserved
        // characters (sections 4.1 and 4.2).
        guard Self.isVerifierShaped(value) else { throw OAuthError.invalidRequest("code_challenge must be 43 to 128 unreserved characters") }
        self.init(value: value, method: method)
    }

    init(value: String, method: String) {
        self.value = value
        self.method = method
    }

    /// Whether `verifier` answers this challenge (section 4.6).
    func isAnswered(by verifier: String) -> Bool {
        guard Self.isVerifierShaped(verifier) else { return false }
        return (method == Self.s256 ? Self.s256Challenge(of: verifier) : verifier) == value
    }

    /// BASE64URL(SHA256(ASCII(verifier))).
    static func s256Challenge(of verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded
    }

    /// 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    static func isVerifierShaped(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~".utf8.contains(byte)
        }
    }
}

extension AuthorizationServer {
    /// Checks a redeemed code's PKCE (section 4.6): a code issued with a challenge needs the verifier that answers
    /// it, and a verifier sent for a code issued without one is refused too, so that a client is never led to think
    /// PKCE protected it (RFC 9700 section 2.1.1).
    /// - Throws: ``OAuthError`` `invalid_grant`.
    func verifyPKCE(_ challenge: CodeChallenge?, verifier: String?) throws {
        switch (challenge, verifier) {
        case (nil, nil): return
        case (nil, .some): throw OAuthError.invalidGrant("code_verifier was sent for a code issued without code_challenge")
        case (.some, nil): throw OAuthError.invalidGrant("code_verifier is missing")
        case let (.some(challenge), .some(verifier)):
            guard challenge.isAnswered(by: verifier) else { throw OAuthError.invalidGrant("code_verifier does not match the code_challenge") }
        }
    }
}
#endif  // ExampleServer
