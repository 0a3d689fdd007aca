import Foundation
import IdentityStorage

/// What this library keeps in a key-ring element: a key (one stored copy of its material) or a revocation.
enum KeyRingEntry: Sendable, Equatable {
    case key(StoredKey)
    case revocation(StoredRevocation)

    /// One stored copy of a key: its dates and its material, wrapped under a key-encryption key or in the clear.
    struct StoredKey: Codable, Sendable, Equatable {
        var id: UUID
        var created: Int64
        var activation: Int64
        var expiration: Int64
        /// Always "AES-256-GCM/HKDF-SHA256" today; named so a later algorithm can live beside it.
        var algorithm: String
        /// The id of the KEK that wrapped `material`, or nil when it is the clear key.
        var keyEncryptionKey: String?
        /// Base64 of the 32-byte key, or of the wrapped key.
        var material: String
    }

    /// A revocation of one key, or (``key`` nil) of every key created at or before ``revoked``.
    struct StoredRevocation: Codable, Sendable, Equatable {
        var key: UUID?
        var revoked: Int64
        var reason: String?
    }
}

/// The XML of an element: ASP.NET Core's root names (`key`, `revocation`) with a `format` attribute and a JSON body
/// (its XML escapes only), so the element stays XML for tools that read the ring as XML while this library needs no
/// XML parser. Elements without the attribute are another library's: kept, never read, never deleted.
enum KeyRingElementFormat {
    static let algorithm = "AES-256-GCM/HKDF-SHA256"
    private static let keyOpen = #"<key format="idstore-json" version="1">"#
    private static let revocationOpen = #"<revocation format="idstore-json" version="1">"#
    private static let ourPrefixes = [#"<key format="idstore-json""#, #"<revocation format="idstore-json""#]

    /// The element's XML and friendly name (`key-<id>`, `revocation-<key id or all>-<µs>`).
    static func encode(_ entry: KeyRingEntry) -> (xml: String, friendlyName: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        switch entry {
        case .key(let key):
            let json = String(decoding: try! encoder.encode(key), as: UTF8.self) // plain strings and integers: never fails
            return (keyOpen + escape(json) + "</key>", "key-\(key.id.uuidString.lowercased())")
        case .revocation(let revocation):
            let json = String(decoding: try! encoder.encode(revocation), as: UTF8.self)
            return (revocationOpen + escape(json) + "</revocation>",
                    "revocation-\(revocation.key?.uuidString.lowercased() ?? "all")-\(revocation.revoked)")
        }
    }

    /// The entry an element holds; nil for another library's element.
    /// - Throws: `IdentityStorageError` `corruptedData` for an element of this format that does not decode: it
    ///   could be a revocation, so the ring is not used without it.
    static func decode(_ element: KeyRingElement) throws(IdentityStorageError) -> KeyRingEntry? {
        let xml = element.xml
        guard ourPrefixes.contains(where: { xml.hasPrefix($0) }) else { return nil }
        do {
            if xml.hasPrefix(keyOpen), xml.hasSuffix("</key>") {
                let body = unescape(String(xml.dropFirst(keyOpen.count).dropLast("</key>".count)))
                return .key(try JSONDecoder().decode(KeyRingEntry.StoredKey.self, from: Data(body.utf8)))
            }
            if xml.hasPrefix(revocationOpen), xml.hasSuffix("</revocation>") {
                let body = unescape(String(xml.dropFirst(revocationOpen.count).dropLast("</revocation>".count)))
                return .revocation(try JSONDecoder().decode(KeyRingEntry.StoredRevocation.self, from: Data(body.utf8)))
            }
        } catch {
            throw .corruptedData("key-ring element \(element.id) does not decode as a data-protection key or revocation")
        }
        throw .corruptedData("key-ring element \(element.id) has this library's format attribute but an unknown version or shape")
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}
