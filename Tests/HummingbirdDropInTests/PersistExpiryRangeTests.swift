#if Hummingbird  // the package trait that brings this target's web framework (Package.swift)
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServerTestSupport
import Testing

/// An expiry taken from a request that no store can hold (issue 23, item 8) is an error answer, never a crash of the
/// server: before, converting it to the stores' microsecond integer trapped and took every route down.
@Suite struct PersistExpiryRangeTests {
    @Test(arguments: [Int64.max, 1_000_000_000_000_000])
    func anExpiryNoStoreHoldsIsAnErrorAnswer(seconds: Int64) async throws {
        try await PersistDriverTests().withClient(.memory) { client in
            for method in [HTTPRequest.Method.put, .post] {
                try await client.execute(uri: "/persist/far?expires=\(seconds)", method: method, body: ByteBuffer(string: "x")) {
                    #expect($0.status.code >= 400, "\(method) with an expiry \(seconds) s away")
                }
            }
            try await client.execute(uri: "/persist/far", method: .get) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/persist/near?expires=60", method: .put, body: ByteBuffer(string: "y")) { #expect($0.status == .ok) }
        }
    }
}
#endif  // Hummingbird
