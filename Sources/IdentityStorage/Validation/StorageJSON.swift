import Foundation

/// The JSON form adapters use for structured values they store as text (properties, scope lists, messages):
/// sorted keys, instants as integer microseconds since 1970, so values round-trip exactly.
public enum StorageJSON {
    /// A new encoder with the storage settings.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.microsecondsSince1970)
        }
        return encoder
    }

    /// A new decoder with the storage settings.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            Date(microsecondsSince1970: try decoder.singleValueContainer().decode(Int64.self))
        }
        return decoder
    }

    /// Encodes `value` as a UTF-8 string.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }

    /// Decodes `text`, mapping any failure to ``IdentityStorageError/Code-swift.struct/corruptedData`` naming `what`.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, what: String) throws(IdentityStorageError) -> T {
        do {
            return try decoder().decode(type, from: Data(text.utf8))
        } catch {
            throw .corruptedData("\(what) holds invalid JSON for \(T.self)")
        }
    }
}
