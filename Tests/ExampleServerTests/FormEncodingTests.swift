#if ExampleServer  // the package trait that brings this target's web framework (Package.swift)
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServerTestSupport
import Testing

/// Every form-encoded input read as `application/x-www-form-urlencoded` (RFC 6749 Appendix B): `+` is a space and
/// percent-escapes are decoded, in the query of `/authorize`, the body of `/token` and HTTP Basic credentials.
@Suite struct FormEncodingTests {
    /// `value` form-encoded as client libraries write it: spaces as `+`.
    static func plusEncoded(_ value: String) -> String {
        value.formEncoded.replacingOccurrences(of: "%20", with: "+")
    }

    @Test func aPlusInTheAuthorizationQueryIsASpace() async throws {
        try await ExampleServerTests().withServer(.memory) { client, clients in
            let query = "response_type=code&client_id=\(clients.spa.clientId)&redirect_uri=\(clients.redirectUri.formEncoded)"
                + "&scope=openid+offline_access&state=a%2Bb+c&subject=ada"
                + "&code_challenge=\(ExampleServerTests.TestClients.codeChallenge)&code_challenge_method=S256"
            let response = try await client.authorize(query)
            #expect(response.status == .found, "\(String(buffer: response.body))")
            // The state comes back as it was sent: `+` escaped, so that the client's form decoder reads it unchanged.
            let location = try #require(response.headers[.location])
            let items = URLComponents(string: location)?.queryItems ?? []
            #expect(items.first { $0.name == "state" }?.value == "a+b c", "\(location)")
            let code = try #require(items.first { $0.name == "code" }?.value)
            let token = try await client.token(clients.redemption(of: code))
            #expect(token.status == .ok)
            #expect(token.json["scope"] == "openid offline_access")
        }
    }

    @Test func theTokenBodyAndBasicCredentialsAreFormDecoded() async throws {
        try await ExampleServerTests().withServer(.memory) { client, clients in
            let (id, secret) = (clients.secretWorker.clientId, clients.secret)
            let grant = "grant_type=client_credentials&scope=invoices.read+invoices.write"
            // client_secret_post
            let post = try await client.token(grant + "&client_id=\(Self.plusEncoded(id))&client_secret=\(Self.plusEncoded(secret))")
            #expect(post.status == .ok, "\(String(buffer: post.body))")
            #expect(post.json["scope"] == "invoices.read invoices.write")
            // client_secret_basic: id and secret are form-encoded before base64 (RFC 6749 section 2.3.1).
            let credentials = Data("\(Self.plusEncoded(id)):\(Self.plusEncoded(secret))".utf8).base64EncodedString()
            let basic = try await client.token(grant, headers: [.authorization: "Basic \(credentials)"])
            #expect(basic.status == .ok, "\(String(buffer: basic.body))")
            #expect(basic.json["scope"] == "invoices.read invoices.write")
            let wrong = Data("\(Self.plusEncoded(id)):\(Self.plusEncoded(secret + "x"))".utf8).base64EncodedString()
            #expect(try await client.token(grant, headers: [.authorization: "Basic \(wrong)"]).json["error"] == "invalid_client")
            // One authentication method per request.
            let both = try await client.token(grant + "&client_secret=\(Self.plusEncoded(secret))", headers: [.authorization: "Basic \(credentials)"])
            #expect(both.status == .badRequest && both.json["error"] == "invalid_request", "\(String(buffer: both.body))")
        }
    }

    @Test func aRepeatedParameterOrABrokenEscapeIsAnInvalidRequest() async throws {
        try await ExampleServerTests().withServer(.memory) { client, clients in
            let repeated = try await client.authorize("response_type=code&client_id=\(clients.spa.clientId)&client_id=\(clients.spa.clientId)")
            #expect(repeated.status == .badRequest && repeated.json["error"] == "invalid_request")
            #expect(repeated.json["error_description"] == "the parameter client_id is given more than once")
            let broken = try await client.token("grant_type=client_credentials&client_id=\(clients.secretWorker.clientId.formEncoded)&client_secret=%zz")
            #expect(broken.status == .badRequest && broken.json["error"] == "invalid_request")
            #expect(broken.json["error_description"]?.contains("%zz") == false)
        }
    }
}
#endif  // ExampleServer
