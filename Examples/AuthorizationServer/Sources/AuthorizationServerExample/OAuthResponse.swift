#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird

/// An OAuth 2.0 error response (RFC 6749 section 5.2), thrown by the endpoints.
struct OAuthError: Error, HTTPResponseError {
    let code: String
    let description: String
    let status: HTTPResponse.Status

    static func invalidRequest(_ description: String) -> OAuthError { OAuthError(code: "invalid_request", description: description, status: .badRequest) }
    static func invalidClient(_ description: String) -> OAuthError { OAuthError(code: "invalid_client", description: description, status: .unauthorized) }
    static func invalidGrant(_ description: String) -> OAuthError { OAuthError(code: "invalid_grant", description: description, status: .badRequest) }
    static func unauthorizedClient(_ description: String) -> OAuthError {
        OAuthError(code: "unauthorized_client", description: description, status: .badRequest)
    }
    static func unsupportedGrantType(_ description: String) -> OAuthError {
        OAuthError(code: "unsupported_grant_type", description: description, status: .badRequest)
    }

    var headers: HTTPFields { [:] }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(["error": code, "error_description": description], status: status)
    }
}

/// A successful token response (RFC 6749 section 5.1).
struct TokenResponse: Encodable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let refreshToken: String?
    let scope: String?
    /// With the `openid` scope (OpenID Connect Core section 3.1.3.3).
    var idToken: String? = nil

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in", refreshToken = "refresh_token", scope
        case idToken = "id_token"
    }
}

extension Response {
    /// `value` as JSON, never cached (RFC 6749 section 5.1).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let body = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
#endif  // ExampleServer
