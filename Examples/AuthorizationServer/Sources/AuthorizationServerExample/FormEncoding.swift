#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird

/// `application/x-www-form-urlencoded`, the encoding of every OAuth parameter this server reads (RFC 6749 Appendix B):
/// the query of `/authorize`, the body of `/token`, and the client id and secret inside HTTP Basic credentials
/// (section 2.3.1). `+` is a space and percent-escapes are decoded, so `scope=openid+offline_access`, as client
/// libraries write it, asks for two scopes. Every route decodes through here.
enum FormEncoding {
    /// The parameters of `form` as `T`, through Hummingbird's `URLEncodedFormDecoder`.
    /// - Throws: ``OAuthError`` `invalid_request` when `form` is not form encoding or repeats a parameter (section 3.1
    ///   forbids it). The message names the parameter only, never a value: a value may be a secret.
    static func decode<T: Decodable>(_ type: T.Type, from form: String) throws -> T {
        do {
            return try URLEncodedFormDecoder().decode(type, from: form)
        } catch let error as URLEncodedFormError where error.code == .duplicateKeys {
            throw OAuthError.invalidRequest("the parameter \(error.value) is given more than once")
        } catch DecodingError.typeMismatch(_, let context) {
            throw OAuthError.invalidRequest("the parameter \(context.codingPath.map(\.stringValue).joined(separator: ".")) is not a single value")
        } catch {
            throw OAuthError.invalidRequest("the parameters are not application/x-www-form-urlencoded")
        }
    }

    /// One form-encoded value (a client id or secret of HTTP Basic credentials), or nil when a percent-escape is broken.
    static func decodeValue(_ text: some StringProtocol) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// `value` percent-encoded so that a form decoder reads it back unchanged: everything but RFC 3986's unreserved
    /// characters is escaped, `+` and space included (URLComponents' own query encoding leaves `+` as it is, which a
    /// client reads as a space).
    static func encodeValue(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
#endif  // ExampleServer
