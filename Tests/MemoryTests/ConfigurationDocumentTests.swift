import Foundation
@testable import IdentityStorage
import Testing

/// The document format of `idstore import`/`export` and of the `file:` adapter.
@Suite("Configuration document")
struct ConfigurationDocumentTests {
    @Test func stableJSONReadsBackAsWritten() throws {
        let text = #"{"b": [true, false, 1, -2, 1.5, 12345678901234, null, "a\"b\\c\n\t\u0001/é😀"], "a": {}, "c": [], "A": {"z": 0}}"#
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let written = try StableJSON.data(value)
        let reread = try JSONSerialization.jsonObject(with: written)
        #expect(NSDictionary(dictionary: reread as! [String: Any]).isEqual(to: value as! [String: Any]))
        #expect(try StableJSON.data(reread) == written, "the same value writes the same bytes")
        let output = String(decoding: written, as: UTF8.self)
        #expect(output.contains("[\n    true,\n    false,\n    1,\n    -2,\n    1.5,"), "\(output)")
        #expect(output.contains(#""a\"b\\c\n\t\u0001/é😀""#), "\(output)")
        #expect(output.firstRange(of: "\"A\"")!.lowerBound < output.firstRange(of: "\"a\"")!.lowerBound)
    }

    @Test func instantsKeepMicrosecondsAndNilsStayNil() throws {
        var client = Client(clientId: "web")
        client.clientClaimsPrefix = nil
        client.clientSecrets = [Secret(value: "s", expiration: Date(microsecondsSince1970: 1_733_290_800_123_456))]
        let early = Secret(value: "old", expiration: Date(microsecondsSince1970: -1))
        client.clientSecrets.insert(early)
        let document = ConfigurationDocument(clients: [client])
        let json = try document.json()
        #expect(String(decoding: json, as: UTF8.self).contains("2024-12-04T05:40:00.123456Z"))
        #expect(String(decoding: json, as: UTF8.self).contains("1969-12-31T23:59:59.999999Z"))
        #expect(try ConfigurationDocument(json: json) == document)
        #expect(ConfigurationDocument.isoDate("2024-12-04T06:40:00.1234567+01:00") == Date(microsecondsSince1970: 1_733_290_800_123_456))
        #expect(ConfigurationDocument.isoDate("2024-12-04T05:40:00Z") == Date(microsecondsSince1970: 1_733_290_800_000_000))
        #expect(ConfigurationDocument.isoDate("yesterday") == nil)
    }
}
