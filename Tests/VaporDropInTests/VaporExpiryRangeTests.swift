#if Vapor  // the package trait that brings this target's web framework (Package.swift)
import ServerTestSupport
import Testing
import Vapor
import VaporTesting

/// An expiry taken from a request that no store can hold (issue 23, item 8) is an error answer, never a crash of the
/// server: before, converting it to the stores' microsecond integer trapped and took every route down.
@Suite struct VaporExpiryRangeTests {
    @Test(arguments: [Int.max, 1_000_000_000_000_000])
    func anExpiryNoStoreHoldsIsAnErrorAnswer(seconds: Int) async throws {
        let (far, near) = (uniqueName("far"), uniqueName("near"))
        try await withIdentityStorageApp(.memory) { app in
            let client = try app.testing()
            try await client.test(.PUT, "cache/\(far)?expires=\(seconds)", body: ByteBuffer(string: "x")) {
                #expect($0.status.code >= 400, "an expiry \(seconds) s away")
            }
            try await client.test(.GET, "cache/\(far)") { #expect($0.body.string == "(none)") }
            try await client.test(.PUT, "cache/\(near)?expires=60", body: ByteBuffer(string: "y")) { #expect($0.status == .ok) }
        }
    }
}
#endif  // Vapor
