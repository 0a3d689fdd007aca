import Foundation
import IdentityStorage

/// A configuration document as its file holds it: each list's items as JSON objects, by id. Writes replace or
/// remove one item and keep every other byte-for-byte as read, so an item damaged by hand stays as it is (as a
/// damaged row stays in a database) until it is saved again or deleted.
///
/// Not `Sendable`: it lives inside one I/O job.
package struct RawConfigurationDocument {
    /// Items of each list of `ConfigurationDocument.lists`, keyed by their id.
    package private(set) var lists: [String: [ExactString: [String: Any]]]

    /// An empty document (a document file that does not exist yet).
    package init() {
        lists = Dictionary(uniqueKeysWithValues: ConfigurationDocument.lists.map { ($0.name, [:]) })
    }

    /// Parses the structure of a document: a JSON object of known lists of objects that each have a string id.
    /// Anything else is `IdentityStorageError.Code.corruptedData` naming `path` (and the line, for
    /// JSON that does not parse); the items themselves are decoded only when read.
    package init(_ bytes: [UInt8], path: String) throws(IdentityStorageError) {
        self.init()
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw .corruptedData("\(path) \(Self.position(of: error, in: bytes)): not valid JSON")
        }
        guard let object = root as? [String: Any] else { throw .corruptedData("\(path): the document must be a JSON object") }
        for (name, value) in object {
            guard let list = ConfigurationDocument.lists.first(where: { $0.name == name }) else {
                throw .corruptedData("\(path): unknown top-level property '\(name)'")
            }
            guard let items = value as? [Any] else { throw .corruptedData("\(path): '\(name)' must be an array") }
            for (index, item) in items.enumerated() {
                guard let item = item as? [String: Any], let id = item[list.idKey] as? String else {
                    throw .corruptedData("\(path): \(name)[\(index)] must be an object with a string '\(list.idKey)'")
                }
                lists[name]![ExactString(id)] = item
            }
        }
    }

    /// The item `id` of `list`, if any.
    package func item(_ id: String, in list: String) -> [String: Any]? { lists[list]?[ExactString(id)] }

    /// Puts `item` (a JSON object, see `ConfigurationDocument.jsonObject(_:)`) in place of the item with its id.
    package mutating func upsert(_ item: [String: Any], id: String, in list: String) {
        lists[list]![ExactString(id)] = item
    }

    /// Removes the item `id` of `list`; false when there was none.
    package mutating func remove(_ id: String, from list: String) -> Bool {
        lists[list]!.removeValue(forKey: ExactString(id)) != nil
    }

    /// The document as the file holds it: pretty, sorted keys, each list sorted by id (stable and diffable).
    package func bytes() throws -> [UInt8] {
        var object: [String: Any] = [:]
        for (name, items) in lists {
            object[name] = items.keys.sorted().map { items[$0]! }
        }
        return Array(try ConfigurationDocument.data(object)) + [UInt8(ascii: "\n")]
    }

    /// `(line L, column C)` where a JSON error stopped ("… around character N."), or the last line for a document
    /// that ends too early.
    private static func position(of error: any Error, in bytes: [UInt8]) -> String {
        let text = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        func line(_ offset: Int) -> Int { bytes.prefix(offset).count(where: { $0 == UInt8(ascii: "\n") }) + 1 }
        guard let range = text.range(of: "character "),
              let offset = Int(text[range.upperBound...].prefix(while: \.isNumber)), offset <= bytes.count else {
            let last = bytes.last == UInt8(ascii: "\n") ? bytes.count - 1 : bytes.count
            return "(line \(line(last)), where the document ends too early)"
        }
        let column = offset - (bytes.prefix(offset).lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "(line \(line(offset)), column \(column))"
    }
}
