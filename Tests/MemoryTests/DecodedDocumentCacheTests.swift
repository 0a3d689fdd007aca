import Foundation
import IdentityStorage
import Testing

@Suite("Decoded document cache")
struct DecodedDocumentCacheTests {
    private func document(_ client: Client) throws -> String { try StorageJSON.string(client) }

    @Test func unchangedTextIsDecodedOnceAndChangedTextAgain() throws {
        let cache = DecodedDocumentCache<Client>()
        var client = Client(clientId: "c1")
        client.clientName = "first"
        let first = try document(client)
        #expect(try cache.decode(first, id: "c1", what: "client c1").clientName == "first")
        #expect(try cache.decode(first, id: "c1", what: "client c1").clientName == "first")
        client.clientName = "second"
        #expect(try cache.decode(try document(client), id: "c1", what: "client c1").clientName == "second",
                "a changed document must never come back as the value decoded before")
        // Canonically equivalent but different bytes (é precomposed vs e + combining accent): decoded anew.
        client.clientName = "caf\u{E9}"
        #expect(try cache.decode(try document(client), id: "c1", what: "client c1").clientName?.unicodeScalars.count == 4)
        client.clientName = "cafe\u{301}"
        #expect(try cache.decode(try document(client), id: "c1", what: "client c1").clientName?.unicodeScalars.count == 5)
    }

    @Test func invalidTextIsCorruptedDataAndNeverCached() throws {
        let cache = DecodedDocumentCache<Client>()
        let good = try document(Client(clientId: "c1"))
        _ = try cache.decode(good, id: "c1", what: "client c1")
        #expect(throws: IdentityStorageError.self) { _ = try cache.decode("{not json", id: "c1", what: "client c1") }
        do {
            _ = try cache.decode("{not json", id: "c1", what: "client c1")
        } catch {
            #expect(error.code == .corruptedData && error.message.contains("client c1"))
        }
        #expect(try cache.decode(good, id: "c1", what: "client c1").clientId == "c1")
    }

    @Test func theByteBudgetHolds() throws {
        let cache = DecodedDocumentCache<Client>(byteBudget: 32768)
        for index in 0..<100 {
            var client = Client(clientId: "c\(index)")
            client.description = String(repeating: "x", count: 500)
            let text = try document(client)
            #expect(try cache.decode(text, id: client.clientId, what: "client").clientId == client.clientId)
            #expect(cache.heldBytes <= 32768 && cache.heldBytes > 0)
        }
        // Still correct after evictions, and a document over a quarter of the budget is decoded but not kept.
        var large = Client(clientId: "large")
        large.description = String(repeating: "y", count: 10_000)
        let held = cache.heldBytes
        #expect(try cache.decode(try document(large), id: "large", what: "client").description?.count == 10_000)
        #expect(cache.heldBytes == held)
    }
}
