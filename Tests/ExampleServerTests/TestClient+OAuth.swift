import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

extension TestClientProtocol {
    /// Asks `/authorize` for a code for the test's single-page client and returns it from the redirect.
    func authorizationCode(for clients: ExampleServerTests.TestClients, scope: String) async throws -> String {
        let query = "response_type=code&client_id=\(clients.spa.clientId)&redirect_uri=\(clients.redirectUri.formEncoded)"
            + "&scope=\(scope.formEncoded)&state=xyz&subject=ada"
        let location = try await execute(uri: "/authorize?\(query)", method: .get) { response in
            #expect(response.status == .found)
            return response.headers[.location]
        }
        let items = URLComponents(string: try #require(location))?.queryItems ?? []
        #expect(items.first { $0.name == "state" }?.value == "xyz")
        return try #require(items.first { $0.name == "code" }?.value)
    }

    /// POSTs `form` to `/token`.
    func token(_ form: String) async throws -> TestResponse {
        try await execute(uri: "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)) { $0 }
    }

    /// Runs `request` `count` times at once and returns every response.
    func concurrently(_ count: Int, _ request: @escaping @Sendable (any TestClientProtocol) async throws -> TestResponse) async throws -> [TestResponse] {
        try await withThrowingTaskGroup(of: TestResponse.self) { group in
            for _ in 0..<count { group.addTask { try await request(self) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}

extension TestResponse {
    /// The JSON body's string members.
    var json: [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }
}

extension String {
    /// Percent-encoded for a form or query value.
    var formEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
